/**
 * The standard objects the simulated org has, with the fields, lengths, required flags, defaults and
 * picklist values a destination meets in a fresh org. Object-specific rules that no field flag can express
 * (Event times, one Lead or Contact per campaign member) live in rules.ts.
 */
import type { FieldType, FieldValue } from './types';

/** A field's spec; a `boolean` (checkbox) field is always non-nillable and defaulted to false on create (schema.ts). */
export interface FieldSpec {
  type: FieldType;
  length?: number;
  label?: string;
  required?: boolean;
  /** Neither createable nor updateable. */
  system?: boolean;
  /** Createable, not updateable. */
  createOnly?: boolean;
  defaultValue?: FieldValue;
  defaulted?: boolean;
  idLookup?: boolean;
  nillable?: boolean;
  referenceTo?: string[];
  picklist?: string[];
  picklistDefault?: string;
  /** Kept in an exact-match index (fast SOQL equality, key checks) without being an idLookup field. */
  indexed?: boolean;
}

export interface StandardObjectSpec {
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: [string, FieldSpec][];
}

export function systemFields(): [string, FieldSpec][] {
  return [
    ['Id', { type: 'id', system: true, label: 'Record ID' }],
    ['IsDeleted', { type: 'boolean', system: true, label: 'Deleted' }],
  ];
}

/** OwnerId (unless the object has no owner, like CampaignMember), CreatedDate and LastModifiedDate. */
export function auditFields(withOwner = true): [string, FieldSpec][] {
  const owner: [string, FieldSpec] = [
    'OwnerId',
    { type: 'reference', referenceTo: ['User'], defaulted: true, nillable: false, label: 'Owner ID' },
  ];
  return [
    ...(withOwner ? [owner] : []),
    ['CreatedDate', { type: 'datetime', system: true, defaulted: true, nillable: false }],
    ['LastModifiedDate', { type: 'datetime', system: true, defaulted: true, nillable: false }],
  ];
}

/** A picklist that is never empty: `defaultValue` is written on create when the caller sends nothing. */
function defaultedPicklist(values: string[], defaultValue: string, length?: number): FieldSpec {
  return {
    type: 'picklist',
    picklist: values,
    picklistDefault: defaultValue,
    defaultValue,
    nillable: false,
    length,
  };
}

function picklist(values: string[]): FieldSpec {
  return { type: 'picklist', picklist: values };
}

function reference(...referenceTo: string[]): FieldSpec {
  return { type: 'reference', referenceTo };
}

const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'];
const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const INDUSTRIES = [
  'Agriculture',
  'Banking',
  'Education',
  'Finance',
  'Healthcare',
  'Retail',
  'Technology',
  'Other',
];
const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];
const OPPORTUNITY_STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Id. Decision Makers',
  'Perception Analysis',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
];
const OPPORTUNITY_TYPES = [
  'Existing Customer - Upgrade',
  'Existing Customer - Replacement',
  'Existing Customer - Downgrade',
  'New Customer',
];
const CASE_STATUSES = ['New', 'Working', 'Escalated', 'Closed'];
const CASE_REASONS = [
  'Installation',
  'Equipment Complexity',
  'Performance',
  'Breakdown',
  'Equipment Design',
  'Feedback',
  'Other',
];
const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];
const TASK_SUBTYPES = ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'];
const CAMPAIGN_STATUSES = ['Planned', 'In Progress', 'Completed', 'Aborted'];
const CAMPAIGN_TYPES = [
  'Advertisement',
  'Email',
  'Telemarketing',
  'Banner Ads',
  'Seminar / Conference',
  'Public Relations',
  'Partners',
  'Referral Program',
  'Other',
];

/** How precisely an address was geocoded (Lead and Contact address compounds). */
const GEOCODE_ACCURACIES = [
  'Address',
  'NearAddress',
  'Block',
  'Street',
  'ExtendedZip',
  'Zip',
  'City',
  'County',
  'State',
  'Unknown',
];

/** WhoId points at a person, WhatId at a business record. */
const WHO = ['Lead', 'Contact'];
const WHAT = ['Account', 'Opportunity', 'Case', 'Campaign'];

const LEAD: StandardObjectSpec = {
  label: 'Lead',
  labelPlural: 'Leads',
  keyPrefix: '00Q',
  fields: [
    ...systemFields(),
    ['Salutation', { type: 'picklist', length: 40, picklist: SALUTATIONS }],
    ['FirstName', { type: 'string', length: 40 }],
    ['MiddleName', { type: 'string', length: 40 }],
    ['LastName', { type: 'string', length: 80, required: true }],
    ['Suffix', { type: 'string', length: 40 }],
    ['Company', { type: 'string', length: 255, required: true }],
    ['CompanyDunsNumber', { type: 'string', length: 9 }],
    ['Title', { type: 'string', length: 128 }],
    ['Street', { type: 'textarea', length: 255 }],
    ['City', { type: 'string', length: 40 }],
    ['State', { type: 'string', length: 80 }],
    ['PostalCode', { type: 'string', length: 20 }],
    ['Country', { type: 'string', length: 80 }],
    ['Latitude', { type: 'double' }],
    ['Longitude', { type: 'double' }],
    ['GeocodeAccuracy', picklist(GEOCODE_ACCURACIES)],
    ['Phone', { type: 'phone' }],
    ['MobilePhone', { type: 'phone' }],
    ['Fax', { type: 'phone' }],
    ['Email', { type: 'email', idLookup: true }],
    ['HasOptedOutOfEmail', { type: 'boolean' }],
    ['HasOptedOutOfFax', { type: 'boolean' }],
    ['IsUnreadByOwner', { type: 'boolean' }],
    ['IndividualId', reference('Individual')],
    ['Website', { type: 'url' }],
    ['Description', { type: 'textarea', length: 32000 }],
    ['LeadSource', picklist(LEAD_SOURCES)],
    ['Status', defaultedPicklist(LEAD_STATUSES, 'Open - Not Contacted')],
    ['Industry', picklist(INDUSTRIES)],
    ['Rating', picklist(['Hot', 'Warm', 'Cold'])],
    ['AnnualRevenue', { type: 'currency' }],
    ['NumberOfEmployees', { type: 'int' }],
    ['IsConverted', { type: 'boolean', system: true, label: 'Converted' }],
    ['ConvertedDate', { type: 'date', system: true }],
    ['ConvertedAccountId', { type: 'reference', system: true, referenceTo: ['Account'] }],
    ['ConvertedContactId', { type: 'reference', system: true, referenceTo: ['Contact'] }],
    ...auditFields(),
  ],
};

const CONTACT: StandardObjectSpec = {
  label: 'Contact',
  labelPlural: 'Contacts',
  keyPrefix: '003',
  fields: [
    ...systemFields(),
    ['AccountId', { ...reference('Account'), label: 'Account ID' }],
    ['Salutation', { type: 'picklist', length: 40, picklist: SALUTATIONS }],
    ['FirstName', { type: 'string', length: 40 }],
    ['MiddleName', { type: 'string', length: 40 }],
    ['LastName', { type: 'string', length: 80, required: true }],
    ['Suffix', { type: 'string', length: 40 }],
    ['MailingStreet', { type: 'textarea', length: 255 }],
    ['MailingCity', { type: 'string', length: 40 }],
    ['MailingState', { type: 'string', length: 80 }],
    ['MailingPostalCode', { type: 'string', length: 20 }],
    ['MailingCountry', { type: 'string', length: 80 }],
    ['MailingLatitude', { type: 'double' }],
    ['MailingLongitude', { type: 'double' }],
    ['MailingGeocodeAccuracy', picklist(GEOCODE_ACCURACIES)],
    ['Phone', { type: 'phone' }],
    ['MobilePhone', { type: 'phone' }],
    ['HomePhone', { type: 'phone' }],
    ['Fax', { type: 'phone' }],
    ['AssistantName', { type: 'string', length: 40 }],
    ['AssistantPhone', { type: 'phone' }],
    ['Email', { type: 'email', idLookup: true }],
    ['EmailBouncedReason', { type: 'string', length: 255 }],
    ['EmailBouncedDate', { type: 'datetime' }],
    ['HasOptedOutOfEmail', { type: 'boolean' }],
    ['HasOptedOutOfFax', { type: 'boolean' }],
    ['DoNotCall', { type: 'boolean' }],
    ['IndividualId', reference('Individual')],
    ['ReportsToId', reference('Contact')],
    ['Title', { type: 'string', length: 128 }],
    ['Department', { type: 'string', length: 80 }],
    ['Birthdate', { type: 'date' }],
    ['Description', { type: 'textarea', length: 32000 }],
    ['LeadSource', picklist(LEAD_SOURCES)],
    ...auditFields(),
  ],
};

const ACCOUNT: StandardObjectSpec = {
  label: 'Account',
  labelPlural: 'Accounts',
  keyPrefix: '001',
  fields: [
    ...systemFields(),
    ['Name', { type: 'string', length: 255, required: true, label: 'Account Name' }],
    ['AccountNumber', { type: 'string', length: 40, indexed: true }],
    ['Type', picklist(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'])],
    ['Industry', picklist(INDUSTRIES)],
    ['Website', { type: 'url' }],
    ['Phone', { type: 'phone' }],
    ['BillingStreet', { type: 'textarea', length: 255 }],
    ['BillingCity', { type: 'string', length: 40 }],
    ['BillingState', { type: 'string', length: 80 }],
    ['BillingPostalCode', { type: 'string', length: 20 }],
    ['BillingCountry', { type: 'string', length: 80 }],
    ['Description', { type: 'textarea', length: 32000 }],
    ['NumberOfEmployees', { type: 'int' }],
    ['AnnualRevenue', { type: 'currency' }],
    ...auditFields(),
  ],
};

const OPPORTUNITY: StandardObjectSpec = {
  label: 'Opportunity',
  labelPlural: 'Opportunities',
  keyPrefix: '006',
  fields: [
    ...systemFields(),
    ['Name', { type: 'string', length: 120, required: true, label: 'Opportunity Name' }],
    ['StageName', { ...picklist(OPPORTUNITY_STAGES), length: 255, required: true, label: 'Stage' }],
    ['CloseDate', { type: 'date', required: true }],
    ['Amount', { type: 'currency' }],
    ['AccountId', { ...reference('Account'), label: 'Account ID' }],
    ['Description', { type: 'textarea', length: 32000 }],
    ['LeadSource', picklist(LEAD_SOURCES)],
    ['Type', { ...picklist(OPPORTUNITY_TYPES), label: 'Opportunity Type' }],
    ['Probability', { type: 'percent', label: 'Probability (%)' }],
    ...auditFields(),
  ],
};

const CASE: StandardObjectSpec = {
  label: 'Case',
  labelPlural: 'Cases',
  keyPrefix: '500',
  fields: [
    ...systemFields(),
    ['Status', defaultedPicklist(CASE_STATUSES, 'New')],
    ['Origin', { ...picklist(['Phone', 'Email', 'Web']), label: 'Case Origin' }],
    ['Priority', defaultedPicklist(['High', 'Medium', 'Low'], 'Medium')],
    ['Subject', { type: 'string', length: 255 }],
    ['Description', { type: 'textarea', length: 32000 }],
    ['ContactId', { ...reference('Contact'), label: 'Contact ID' }],
    ['AccountId', { ...reference('Account'), label: 'Account ID' }],
    ['SuppliedEmail', { type: 'email', label: 'Web Email' }],
    ['SuppliedName', { type: 'string', length: 80, label: 'Web Name' }],
    ['Type', { ...picklist(['Problem', 'Feature Request', 'Question']), label: 'Case Type' }],
    ['Reason', { ...picklist(CASE_REASONS), label: 'Case Reason' }],
    ...auditFields(),
  ],
};

const TASK: StandardObjectSpec = {
  label: 'Task',
  labelPlural: 'Tasks',
  keyPrefix: '00T',
  fields: [
    ...systemFields(),
    ['Subject', { type: 'string', length: 255 }],
    ['Status', defaultedPicklist(TASK_STATUSES, 'Not Started')],
    ['Priority', defaultedPicklist(['High', 'Normal', 'Low'], 'Normal')],
    ['WhoId', { ...reference(...WHO), label: 'Name ID' }],
    ['WhatId', { ...reference(...WHAT), label: 'Related To ID' }],
    ['ActivityDate', { type: 'date', label: 'Due Date Only' }],
    ['Description', { type: 'textarea', length: 32000, label: 'Comments' }],
    ['Type', picklist(['Call', 'Email', 'Meeting', 'Other'])],
    ['TaskSubtype', { ...picklist(TASK_SUBTYPES), length: 40, createOnly: true }],
    ...auditFields(),
  ],
};

const EVENT: StandardObjectSpec = {
  label: 'Event',
  labelPlural: 'Events',
  keyPrefix: '00U',
  fields: [
    ...systemFields(),
    ['Subject', { type: 'string', length: 255 }],
    ['ActivityDateTime', { type: 'datetime', label: 'Due Date Time' }],
    ['StartDateTime', { type: 'datetime', label: 'Start Date Time' }],
    ['EndDateTime', { type: 'datetime', label: 'End Date Time' }],
    ['DurationInMinutes', { type: 'int', label: 'Duration' }],
    ['WhoId', { ...reference(...WHO), label: 'Name ID' }],
    ['WhatId', { ...reference(...WHAT), label: 'Related To ID' }],
    ['Description', { type: 'textarea', length: 32000 }],
    ['Location', { type: 'string', length: 255 }],
    ...auditFields(),
  ],
};

const CAMPAIGN: StandardObjectSpec = {
  label: 'Campaign',
  labelPlural: 'Campaigns',
  keyPrefix: '701',
  fields: [
    ...systemFields(),
    ['Name', { type: 'string', length: 80, required: true, label: 'Campaign Name' }],
    ['Status', picklist(CAMPAIGN_STATUSES)],
    ['Type', picklist(CAMPAIGN_TYPES)],
    ['IsActive', { type: 'boolean', label: 'Active' }],
    ...auditFields(),
  ],
};

const CAMPAIGN_MEMBER: StandardObjectSpec = {
  label: 'Campaign Member',
  labelPlural: 'Campaign Members',
  keyPrefix: '00v',
  fields: [
    ...systemFields(),
    [
      'CampaignId',
      { ...reference('Campaign'), required: true, createOnly: true, indexed: true, label: 'Campaign ID' },
    ],
    ['LeadId', { ...reference('Lead'), createOnly: true, label: 'Lead ID' }],
    ['ContactId', { ...reference('Contact'), createOnly: true, label: 'Contact ID' }],
    [
      'Status',
      { type: 'picklist', picklist: ['Sent', 'Responded'], picklistDefault: 'Sent', defaultValue: 'Sent' },
    ],
    ...auditFields(false),
  ],
};

/** Every standard object, by API name. */
export const STANDARD_OBJECTS: Record<string, StandardObjectSpec> = {
  Lead: LEAD,
  Contact: CONTACT,
  Account: ACCOUNT,
  Opportunity: OPPORTUNITY,
  Case: CASE,
  Task: TASK,
  Event: EVENT,
  Campaign: CAMPAIGN,
  CampaignMember: CAMPAIGN_MEMBER,
};
