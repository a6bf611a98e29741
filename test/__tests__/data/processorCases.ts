/**
 * Named cases of the single-event path (`process`), as data: the event, the config, the Salesforce calls it is
 * allowed to make (named mocks; each must be used) and what it must produce. They cover the product description
 * (seeds/000), the reference behaviour (spec B.1–B.9) and each deliberate deviation from it (marked DEVIATION).
 */
import {
  type DescribeOptions,
  destination,
  identify,
  INSTANCE,
  lead,
  leadQuery,
  LOGIN_HOST,
  mockDescribe,
  mockLogin,
  mockLoginError,
  mockTokenGrant,
  mockQuery,
  mockQueryError,
  SANDBOX_HOST,
} from '../../__mocks__/salesforce';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import type { SalesforceRuntime } from '../../../src/v0/destinations/salesforce/runtime';
import type { Destination } from '../../../src/framework/types';

export interface ExpectedRequest {
  method: 'POST' | 'PATCH';
  /** Path after `/services/data/vNN.N`. */
  path: string;
  body?: Record<string, unknown>;
  /** Keys that must not be in the body. */
  absent?: string[];
  version?: string;
  instance?: string;
}

export interface ProcessorCase {
  id: string;
  scenario: string;
  successCriteria: string;
  message: Record<string, unknown>;
  destination?: Destination;
  metadata?: Record<string, unknown>;
  /** State to set before the event, in the case's own runtime. */
  before?: (runtime: SalesforceRuntime) => void;
  mocks?: () => void;
  expected:
    | { requests: ExpectedRequest[] }
    | {
        error: {
          status: number;
          message: string | RegExp;
          statTags: Record<string, string>;
          authErrorCategory?: string;
        };
      };
}

const seedTraits = {
  name: 'John Doe',
  title: 'CEO',
  email: 'name.surname@domain.com',
  company: 'Company123',
  phone: '123-456-7890',
  rating: 'Hot',
  city: 'Austin',
  postalCode: '12345',
  country: 'US',
  street: 'Sample Address',
  state: 'TX',
};

const noLead =
  (email: string, describe: DescribeOptions = {}) =>
  () => {
    mockLogin();
    mockDescribe('Lead', describe);
    mockQuery(leadQuery([email]), []);
  };
const oneLead =
  (email: string, record: Record<string, unknown>, alsoDescribe: string[] = []) =>
  () => {
    mockLogin();
    mockDescribe('Lead');
    mockQuery(leadQuery([email]), [record]);
    alsoDescribe.forEach((object) => mockDescribe(object));
  };

/** A key pair for the JWT bearer flow: the login mock verifies the assertion with the public key. */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function verifiesJwt(body: Record<string, string>): boolean {
  if (body.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return false;
  const [header, claims, signature] = (body.assertion ?? '').split('.');
  const ok = createVerify('RSA-SHA256')
    .update(`${header}.${claims}`)
    .verify(publicKey, Buffer.from(signature, 'base64url'));
  const payload = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
  return (
    ok &&
    payload.iss === 'client-id-abc' &&
    payload.sub === 'integration@acme.com' &&
    payload.aud === 'https://login.salesforce.com'
  );
}

const PRODUCT_FIELDS = ['Id', 'Name', 'Price__c', 'Sku__c'];

const instrumentation = { errorCategory: 'dataValidation', errorType: 'instrumentation' };
const configuration = { errorCategory: 'dataValidation', errorType: 'configuration' };
const networkAborted = { errorCategory: 'network', errorType: 'aborted', meta: 'instrumentation' };

export const processorCases: ProcessorCase[] = [
  {
    id: 'lead-create-seed-example',
    scenario: "The product description's identify, for an email Salesforce does not know",
    successCriteria: 'One SOQL lookup, then a Lead create with every mapped field and the name split in two',
    message: identify(seedTraits),
    mocks: noLead('name.surname@domain.com'),
    expected: {
      requests: [
        {
          method: 'POST',
          path: '/sobjects/Lead',
          body: {
            FirstName: 'John',
            LastName: 'Doe',
            Title: 'CEO',
            Email: 'name.surname@domain.com',
            Company: 'Company123',
            Phone: '123-456-7890',
            Rating: 'Hot',
            City: 'Austin',
            PostalCode: '12345',
            Country: 'US',
            Street: 'Sample Address',
            State: 'TX',
          },
        },
      ],
    },
  },
  {
    id: 'lead-update-existing',
    scenario: 'An identify for an email that matches one Lead',
    successCriteria: 'A PATCH of that Lead by id with the real PATCH verb',
    message: identify({ email: 'known@acme.com', title: 'CTO', rating: 'Warm' }),
    mocks: oneLead('known@acme.com', lead('00Q5e00000AbCdEAAZ', 'known@acme.com')),
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Lead/00Q5e00000AbCdEAAZ',
          body: { Email: 'known@acme.com', Title: 'CTO', Rating: 'Warm' },
        },
      ],
    },
  },
  {
    id: 'lead-update-never-writes-placeholders',
    scenario: 'DEVIATION (W14): an update without lastName or company',
    successCriteria:
      'The PATCH body has no LastName and no Company, so real values are never overwritten with n/a',
    message: identify({ email: 'known@acme.com', phone: '555-0100' }),
    mocks: oneLead('known@acme.com', lead('00Q5e00000AbCdEAAZ', 'known@acme.com')),
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Lead/00Q5e00000AbCdEAAZ',
          body: { Email: 'known@acme.com', Phone: '555-0100' },
          absent: ['LastName', 'Company'],
        },
      ],
    },
  },
  {
    id: 'lead-create-placeholders',
    scenario: 'A new Lead without lastName and company',
    successCriteria: "LastName and Company are 'n/a' (Salesforce requires both on create)",
    message: identify({ email: 'first@new.com', firstName: 'Ann' }),
    mocks: noLead('first@new.com'),
    expected: {
      requests: [
        {
          method: 'POST',
          path: '/sobjects/Lead',
          body: { Email: 'first@new.com', FirstName: 'Ann', LastName: 'n/a', Company: 'n/a' },
        },
      ],
    },
  },
  {
    id: 'custom-traits-become-custom-fields',
    scenario: 'Traits that are not standard Lead fields',
    successCriteria: 'Each becomes <trait>__c exactly as cased; a trait already ending in __c is not doubled',
    message: identify({
      email: 'c@acme.com',
      newProp: 'x',
      snake_case_prop: 2,
      plan__c: 'pro',
      optedIn: false,
    }),
    mocks: noLead('c@acme.com', { extra: ['newProp__c', 'snake_case_prop__c', 'plan__c', 'optedIn__c'] }),
    expected: {
      requests: [
        {
          method: 'POST',
          path: '/sobjects/Lead',
          body: {
            Email: 'c@acme.com',
            newProp__c: 'x',
            snake_case_prop__c: 2,
            plan__c: 'pro',
            optedIn__c: false,
          },
          absent: ['plan__c__c'],
        },
      ],
    },
  },
  {
    id: 'filtered-without-integrations',
    scenario: 'An identify whose integrations object does not mention Salesforce',
    successCriteria: 'Filtered (298) with a message saying how to enable it; no API call',
    message: identify({ email: 'a@acme.com' }, { integrations: { All: true } }),
    expected: {
      error: { status: 298, message: /Add "integrations": \{"Salesforce": true\}/, statTags: {} },
    },
  },
  {
    id: 'filtered-salesforce-false',
    scenario: 'integrations.Salesforce is false',
    successCriteria: 'Filtered (298); no API call; the message says how to send it',
    message: identify({ email: 'a@acme.com' }, { integrations: { Salesforce: false } }),
    destination: destination({ requireExplicitOptIn: false }),
    expected: {
      error: {
        status: 298,
        message:
          /sets Salesforce to false\. Set "integrations": \{"Salesforce": true\} in the event to send it/,
        statTags: {},
      },
    },
  },
  {
    id: 'opt-in-any-case-and-options-object',
    scenario: 'integrations.SALESFORCE given as an options object',
    successCriteria: 'Counts as enabled: the event is sent',
    message: identify({ email: 'opt@acme.com' }, { integrations: { SALESFORCE: { anything: 1 } } }),
    mocks: noLead('opt@acme.com'),
    expected: { requests: [{ method: 'POST', path: '/sobjects/Lead', body: { Email: 'opt@acme.com' } }] },
  },
  {
    id: 'opt-in-off-sends-every-identify',
    scenario: 'requireExplicitOptIn false and no integrations object (the reference behaviour)',
    successCriteria: 'The event is sent',
    message: identify({ email: 'all@acme.com' }, { integrations: undefined }),
    destination: destination({ requireExplicitOptIn: false }),
    mocks: noLead('all@acme.com'),
    expected: { requests: [{ method: 'POST', path: '/sobjects/Lead', body: { Email: 'all@acme.com' } }] },
  },
  {
    id: 'external-id-contact-update',
    scenario: "DEVIATION (spec B.6 item 27): the product description's Salesforce-Contact external id",
    successCriteria:
      'A PATCH of that Contact with the traits as they are, as the product description says (the reference maps them and sends FirstName__c), and no lookup',
    message: {
      type: 'identify',
      userId: '123456',
      integrations: { Salesforce: true },
      traits: { FirstName: 'John', LastName: 'Gibbs', Email: 'john@peterson.com' },
      context: { externalId: [{ type: 'Salesforce-Contact', id: 'sf-contact-id' }] },
    },
    mocks: () => {
      mockLogin();
      mockDescribe('Contact');
    },
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Contact/sf-contact-id',
          body: { FirstName: 'John', LastName: 'Gibbs', Email: 'john@peterson.com' },
        },
      ],
    },
  },
  {
    id: 'external-ids-multiplex',
    scenario: 'Several Salesforce external ids in one event',
    successCriteria: 'One request per object: update by id, create without id',
    message: identify(
      { Name: 'Acme', Industry: 'Tech' },
      {
        context: {
          externalId: [
            { type: 'Salesforce-Account', id: '0015e00000XyZaBAAV' },
            { type: 'Salesforce-Opportunity__c' },
            { type: 'ga4ClientId', id: 'ignored' },
          ],
        },
      },
    ),
    mocks: () => {
      mockLogin();
      mockDescribe('Account');
      mockDescribe('Opportunity__c', { only: ['Id', 'Name', 'Industry'] });
    },
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Account/0015e00000XyZaBAAV',
          body: { Name: 'Acme', Industry: 'Tech' },
        },
        { method: 'POST', path: '/sobjects/Opportunity__c', body: { Name: 'Acme', Industry: 'Tech' } },
      ],
    },
  },
  {
    id: 'unsupported-type',
    scenario: 'A track event',
    successCriteria: 'InstrumentationError 400 naming the type, before any API call',
    message: { type: 'track', event: 'Signed Up', integrations: { Salesforce: true } },
    expected: {
      error: { status: 400, message: /message type "track" is not supported/, statTags: instrumentation },
    },
  },
  {
    id: 'missing-traits',
    scenario: 'An identify without traits',
    successCriteria: 'InstrumentationError 400 naming traits',
    message: { type: 'identify', integrations: { Salesforce: true } },
    expected: {
      error: {
        status: 400,
        message: /Invalid traits .*traits or context\.traits/,
        statTags: instrumentation,
      },
    },
  },
  {
    id: 'missing-email',
    scenario: 'An identify without email or Salesforce external id',
    successCriteria: 'InstrumentationError 400 saying to add traits.email',
    message: identify({ name: 'No Email' }),
    expected: { error: { status: 400, message: /add traits\.email/, statTags: instrumentation } },
  },
  {
    id: 'email-from-context-traits',
    scenario: 'The email only in context.traits',
    successCriteria: 'It is used for the lookup and the Lead',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      context: { traits: { email: 'ctx@acme.com', lastName: 'Ctx' } },
    },
    mocks: noLead('ctx@acme.com'),
    expected: {
      requests: [
        { method: 'POST', path: '/sobjects/Lead', body: { Email: 'ctx@acme.com', LastName: 'Ctx' } },
      ],
    },
  },
  {
    id: 'converted-lead-to-contact',
    scenario: 'The email matches a converted Lead and useContactId is on',
    successCriteria: 'The converted Contact is updated with the Contact mapping',
    message: identify({ email: 'conv@acme.com', city: 'Austin', title: 'VP' }),
    destination: destination({ useContactId: true }),
    mocks: oneLead(
      'conv@acme.com',
      lead('00Q5e00000ConvAAAA', 'conv@acme.com', {
        IsConverted: true,
        ConvertedContactId: '0035e00000CtctAAAA',
      }),
      ['Contact'],
    ),
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Contact/0035e00000CtctAAAA',
          body: { Email: 'conv@acme.com', MailingCity: 'Austin', Title: 'VP' },
          absent: ['City', 'LastName'],
        },
      ],
    },
  },
  {
    id: 'converted-lead-without-use-contact-id',
    scenario: 'DEVIATION: the email matches a converted Lead and useContactId is off',
    successCriteria: 'A clear 400 instead of a write Salesforce would refuse (CANNOT_UPDATE_CONVERTED_LEAD)',
    message: identify({ email: 'conv@acme.com' }),
    mocks: oneLead(
      'conv@acme.com',
      lead('00Q5e00000ConvAAAA', 'conv@acme.com', {
        IsConverted: true,
        ConvertedContactId: '0035e00000CtctAAAA',
      }),
    ),
    expected: {
      error: { status: 400, message: /is converted .* set useContactId/, statTags: networkAborted },
    },
  },
  {
    id: 'converted-lead-without-contact',
    scenario: 'A converted Lead without ConvertedContactId, useContactId on',
    successCriteria: 'The reference error: converted contact id not found',
    message: identify({ email: 'conv@acme.com' }),
    destination: destination({ useContactId: true }),
    mocks: oneLead('conv@acme.com', lead('00Q5e00000ConvAAAA', 'conv@acme.com', { IsConverted: true })),
    expected: {
      error: {
        status: 400,
        message: 'The lead is converted but the converted contact id not found',
        statTags: networkAborted,
      },
    },
  },
  {
    id: 'deleted-lead',
    scenario: 'The lookup returns a deleted Lead',
    successCriteria: 'The reference error: The lead has been deleted.',
    message: identify({ email: 'gone@acme.com' }),
    mocks: oneLead('gone@acme.com', lead('00Q5e00000GoneAAAA', 'gone@acme.com', { IsDeleted: true })),
    expected: { error: { status: 400, message: 'The lead has been deleted.', statTags: networkAborted } },
  },
  {
    id: 'ambiguous-lead',
    scenario: 'Two Leads share the email',
    successCriteria: 'A clear 400 naming the email; nothing is written',
    message: identify({ email: 'dup@acme.com' }),
    mocks: () => {
      mockLogin();
      mockDescribe('Lead');
      mockQuery(leadQuery(['dup@acme.com']), [
        lead('00Q5e00000Dup1AAAA', 'dup@acme.com'),
        lead('00Q5e00000Dup2AAAA', 'DUP@acme.com'),
      ]);
    },
    expected: {
      error: {
        status: 400,
        message: "Multiple lead records found with email 'dup@acme.com'",
        statTags: networkAborted,
      },
    },
  },
  {
    id: 'soql-escaping',
    scenario: "DEVIATION (W1): an email with an apostrophe (O'Brien)",
    successCriteria: 'The lookup escapes it, so the query stays one equality on Email',
    message: identify({ email: "o'brien@acme.com" }),
    mocks: noLead("o'brien@acme.com"),
    expected: {
      requests: [{ method: 'POST', path: '/sobjects/Lead', body: { Email: "o'brien@acme.com" } }],
    },
  },
  ...(
    [
      ['hostile-email-injection', "x' OR Email != '", 'it contains a space or a control character'],
      ['hostile-email-percent', '%', 'it has no @'],
      ['hostile-email-blank', ' ', 'it is empty'],
      [
        'hostile-email-backslash',
        'o\\brien@acme.com',
        'it has a character an address cannot have before the @',
      ],
      ['hostile-email-no-domain', 'ann@localhost', 'it has no dot in its domain "localhost"'],
    ] as const
  ).map(([id, email, rule]): ProcessorCase => ({
    id,
    scenario: `An email Salesforce would refuse: ${JSON.stringify(email)}`,
    successCriteria: 'A 400 at transform time naming the rule it broke, with no API call spent',
    message: identify({ email }),
    expected: {
      error: {
        status: 400,
        message: `traits.email ${JSON.stringify(email)} is not an email address Salesforce accepts: ${rule}. Send the person's address, for example name@example.com`,
        statTags: { errorCategory: 'dataValidation', errorType: 'instrumentation' },
      },
    },
  })),
  {
    id: 'retl-by-id',
    scenario: 'Reverse ETL with identifierType Id',
    successCriteria: 'A PATCH by that id with the traits as they are, no lookup',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      traits: { Name: 'Widget', Price__c: 9 },
      context: {
        mappedToDestination: true,
        externalId: [{ type: 'SALESFORCE-Product__c', id: 'a015e00000ProdAAAA', identifierType: 'Id' }],
      },
    },
    mocks: () => {
      mockLogin();
      mockDescribe('Product__c', { only: PRODUCT_FIELDS });
    },
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Product__c/a015e00000ProdAAAA',
          body: { Name: 'Widget', Price__c: 9 },
        },
      ],
    },
  },
  {
    id: 'retl-by-external-field-found',
    scenario: 'Reverse ETL by an identifier field that matches one record',
    successCriteria: 'SOQL on that field, then a PATCH by the found id',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      traits: { Name: 'Widget' },
      context: {
        mappedToDestination: 'true',
        externalId: [{ type: 'SALESFORCE_OAUTH-Product__c', id: 'SKU-1', identifierType: 'Sku__c' }],
      },
    },
    mocks: () => {
      mockLogin();
      mockDescribe('Product__c', { only: PRODUCT_FIELDS });
      mockQuery("SELECT Id, Sku__c FROM Product__c WHERE Sku__c = 'SKU-1'", [
        { Id: 'a015e00000ProdAAAA', Sku__c: 'SKU-1' },
      ]);
    },
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Product__c/a015e00000ProdAAAA',
          body: { Name: 'Widget', Sku__c: 'SKU-1' },
        },
      ],
    },
  },
  {
    id: 'retl-by-external-field-new',
    scenario: 'Reverse ETL by an identifier field that matches nothing',
    successCriteria: 'A create that carries the identifier field',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      traits: { Name: 'Gadget' },
      context: {
        mappedToDestination: true,
        externalId: [{ type: 'SALESFORCE-Product__c', id: 42, identifierType: 'Sku__c' }],
      },
    },
    mocks: () => {
      mockLogin();
      mockDescribe('Product__c', { only: PRODUCT_FIELDS });
      // Sku__c is a text field: the number 42 is looked up as the text '42' (SOQL is type-strict).
      mockQuery("SELECT Id, Sku__c FROM Product__c WHERE Sku__c = '42'", []);
    },
    expected: {
      requests: [{ method: 'POST', path: '/sobjects/Product__c', body: { Name: 'Gadget', Sku__c: 42 } }],
    },
  },
  {
    id: 'retl-ambiguous',
    scenario: 'Reverse ETL by an identifier field that matches two records',
    successCriteria: 'The reference error naming object, field and value',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      traits: { Name: 'Gadget' },
      context: {
        mappedToDestination: true,
        externalId: [{ type: 'SALESFORCE-Product__c', id: 'S', identifierType: 'Sku__c' }],
      },
    },
    mocks: () => {
      mockLogin();
      mockDescribe('Product__c', { only: PRODUCT_FIELDS });
      mockQuery("SELECT Id, Sku__c FROM Product__c WHERE Sku__c = 'S'", [
        { Id: 'a015e00000Prod1AAA', Sku__c: 'S' },
        { Id: 'a015e00000Prod2AAA', Sku__c: 's' },
      ]);
    },
    expected: {
      error: {
        status: 400,
        message: "Multiple Product__c records found with Sku__c 'S'",
        statTags: networkAborted,
      },
    },
  },
  {
    id: 'retl-invalid-external-id',
    scenario: 'Reverse ETL without identifierType',
    successCriteria: 'The reference InstrumentationError, saying what is missing',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      traits: { Name: 'Gadget' },
      context: { mappedToDestination: true, externalId: [{ type: 'SALESFORCE-Product__c', id: 'S' }] },
    },
    expected: {
      error: {
        status: 400,
        message: /^Invalid externalId. id, type, identifierType must be provided: .*identifierType/,
        statTags: instrumentation,
      },
    },
  },
  {
    id: 'retl-hostile-identifier',
    scenario: 'DEVIATION (W2): reverse ETL with an identifierType that tries to inject SOQL',
    successCriteria: 'Rejected before any query, naming the field',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      traits: { Name: 'Gadget' },
      context: {
        mappedToDestination: true,
        externalId: [{ type: 'SALESFORCE-Lead', id: 'x', identifierType: "Email = 'a' OR Id" }],
      },
    },
    expected: {
      error: { status: 400, message: /Invalid externalId identifierType/, statTags: instrumentation },
    },
  },
  {
    id: 'map-property-off',
    scenario: 'mapProperty false',
    successCriteria: 'The Lead gets the traits as they are',
    message: identify({ email: 'raw@acme.com', Company: 'Raw Inc', LastName: 'Raw' }),
    destination: destination({ mapProperty: false }),
    mocks: noLead('raw@acme.com'),
    expected: {
      requests: [
        {
          method: 'POST',
          path: '/sobjects/Lead',
          body: { email: 'raw@acme.com', Company: 'Raw Inc', LastName: 'Raw' },
        },
      ],
    },
  },
  {
    id: 'map-properties-alias',
    scenario: 'DEVIATION (W28): the dashboard key mapProperties false',
    successCriteria: 'Honoured like mapProperty',
    message: identify({ email: 'raw@acme.com', LastName: 'Raw' }),
    destination: destination({ mapProperties: false }),
    mocks: noLead('raw@acme.com'),
    expected: {
      requests: [
        { method: 'POST', path: '/sobjects/Lead', body: { email: 'raw@acme.com', LastName: 'Raw' } },
      ],
    },
  },
  {
    id: 'sandbox-login',
    scenario: 'sandbox true',
    successCriteria: 'Login at test.salesforce.com',
    message: identify({ email: 'sb@acme.com' }),
    destination: destination({ sandbox: true }),
    mocks: () => {
      mockLogin(SANDBOX_HOST);
      mockDescribe('Lead');
      mockQuery(leadQuery(['sb@acme.com']), []);
    },
    expected: { requests: [{ method: 'POST', path: '/sobjects/Lead' }] },
  },
  {
    id: 'my-domain-login-and-api-version',
    scenario: 'loginUrl (My Domain) and the reference API version 50.0',
    successCriteria: 'Login at the My Domain host; every URL uses v50.0',
    message: identify({ email: 'md@acme.com' }),
    destination: destination({ loginUrl: 'https://acme.my.salesforce.com', apiVersion: '50.0' }),
    mocks: () => {
      mockLogin('https://acme.my.salesforce.com');
      mockDescribe('Lead', {}, '50.0');
      mockQuery(leadQuery(['md@acme.com']), [], '50.0');
    },
    expected: { requests: [{ method: 'POST', path: '/sobjects/Lead', version: '50.0' }] },
  },
  {
    id: 'host-oauth-secret',
    scenario: 'A SALESFORCE_OAUTH job carrying the host OAuth secret',
    successCriteria: 'No login: the secret token and instance are used',
    message: identify({ email: 'oauth@acme.com' }),
    destination: destination({ userName: undefined, password: undefined }, 'SALESFORCE_OAUTH'),
    metadata: {
      secret: {
        access_token: '00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog',
        instance_url: 'https://oauth.my.salesforce.com',
      },
    },
    mocks: () => {
      mockDescribe('Lead', {}, '62.0', 'https://oauth.my.salesforce.com');
      mockQuery(leadQuery(['oauth@acme.com']), [], '62.0', 'https://oauth.my.salesforce.com');
    },
    expected: {
      requests: [{ method: 'POST', path: '/sobjects/Lead', instance: 'https://oauth.my.salesforce.com' }],
    },
  },
  {
    id: 'host-oauth-missing-secret',
    scenario: 'A SALESFORCE_OAUTH_SANDBOX job without a secret nor password config',
    successCriteria: 'OAuthSecretError 500 (platform), retried',
    message: identify({ email: 'oauth@acme.com' }),
    destination: destination({ userName: undefined, password: undefined }, 'SALESFORCE_OAUTH_SANDBOX'),
    expected: {
      error: {
        status: 500,
        message: /^Secret is undefined\/null/,
        statTags: { errorCategory: 'platform', errorType: 'oAuthSecret' },
      },
    },
  },
  {
    id: 'login-refused',
    scenario: 'Salesforce refuses the credentials',
    successCriteria: 'Aborted 400 with the reason; the password never appears',
    message: identify({ email: 'a@acme.com' }),
    mocks: () =>
      mockLoginError(
        400,
        { error: 'invalid_grant', error_description: 'authentication failure' },
        LOGIN_HOST,
      ),
    expected: {
      error: {
        status: 400,
        message: /authentication failure.*authentication failed during fetching access token/,
        statTags: { errorCategory: 'network', errorType: 'aborted' },
      },
    },
  },
  {
    id: 'lookup-server-unavailable',
    scenario: 'The lookup answers 503 without a Salesforce error code',
    successCriteria: 'Retryable 500 (DEVIATION W23: the reference aborts)',
    message: identify({ email: 'a@acme.com' }),
    mocks: () => {
      mockLogin();
      mockDescribe('Lead');
      mockQueryError(leadQuery(['a@acme.com']), 503, 'Service Unavailable');
    },
    expected: {
      error: {
        status: 500,
        message: /503 .*\(Retryable\)/,
        statTags: { errorCategory: 'network', errorType: 'retryable' },
      },
    },
  },
  {
    id: 'lookup-limit-exceeded',
    scenario: 'The lookup answers 403 REQUEST_LIMIT_EXCEEDED',
    successCriteria: 'Throttled 429',
    message: identify({ email: 'a@acme.com' }),
    mocks: () => {
      mockLogin();
      mockDescribe('Lead');
      mockQueryError(leadQuery(['a@acme.com']), 403, [
        { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
      ]);
    },
    expected: {
      error: {
        status: 429,
        message: /REQUEST_LIMIT_EXCEEDED/,
        statTags: { errorCategory: 'network', errorType: 'throttled' },
      },
    },
  },
  {
    id: 'lookup-session-expired-oauth',
    scenario:
      'Salesforce answers 401 INVALID_SESSION_ID to a host OAuth token (its first call, the describe)',
    successCriteria:
      'Retryable 500 with authErrorCategory REFRESH_TOKEN, so rudder-server refreshes the token',
    message: identify({ email: 'a@acme.com' }),
    destination: destination({}, 'SALESFORCE_OAUTH'),
    metadata: { secret: { access_token: 'expired-token', instance_url: INSTANCE } },
    mocks: () =>
      nock(INSTANCE)
        .get('/services/data/v62.0/sobjects/Lead/describe')
        .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]),
    expected: {
      error: {
        status: 500,
        message: /INVALID_SESSION_ID/,
        statTags: { errorCategory: 'network', errorType: 'retryable' },
        authErrorCategory: 'REFRESH_TOKEN',
      },
    },
  },
  {
    id: 'bad-config-api-version',
    scenario: 'apiVersion "v50"',
    successCriteria: 'ConfigurationError naming Config.apiVersion',
    message: identify({ email: 'a@acme.com' }),
    destination: destination({ apiVersion: 'v50' }),
    expected: { error: { status: 400, message: /Config\.apiVersion/, statTags: configuration } },
  },
  {
    id: 'bad-config-missing-password',
    scenario: 'A legacy destination without a password',
    successCriteria: 'ConfigurationError naming Config.password',
    message: identify({ email: 'a@acme.com' }),
    destination: destination({ password: '' }),
    expected: { error: { status: 400, message: /Config\.password/, statTags: configuration } },
  },
  {
    id: 'bad-trait-name',
    scenario: 'A custom trait whose name cannot be a Salesforce field',
    successCriteria: 'A 400 for this event naming the trait and the fix',
    message: identify({ email: 'a@acme.com', 'favorite color': 'blue' }),
    expected: {
      error: {
        status: 400,
        message: /Trait "favorite color" cannot become a Salesforce custom field/,
        statTags: instrumentation,
      },
    },
  },
  {
    id: 'unknown-field-rejected',
    scenario: 'A custom trait whose field the org lacks (default unknownFieldPolicy reject)',
    successCriteria:
      'A 400 for this event naming the field and saying to create it first; nothing is written',
    message: identify({ email: 'c@acme.com', newProp: 'x' }),
    mocks: noLead('c@acme.com'),
    expected: {
      error: {
        status: 400,
        message: /^Field newProp__c does not exist on Lead .*create it in Salesforce first/,
        statTags: instrumentation,
      },
    },
  },
  {
    id: 'unknown-field-dropped',
    scenario: 'The same trait with unknownFieldPolicy drop',
    successCriteria: 'The Lead is written without the field',
    message: identify({ email: 'c@acme.com', newProp: 'x', title: 'Dr' }),
    destination: destination({ unknownFieldPolicy: 'drop' }),
    mocks: noLead('c@acme.com'),
    expected: {
      requests: [
        {
          method: 'POST',
          path: '/sobjects/Lead',
          body: { Email: 'c@acme.com', Title: 'Dr' },
          absent: ['newProp__c'],
        },
      ],
    },
  },
  {
    id: 'read-only-field-rejected',
    scenario: 'An event that writes a field Salesforce marks read-only',
    successCriteria: 'A 400 naming the field before any write',
    message: identify(
      { LastName: 'X', IsConverted: true },
      { context: { externalId: [{ type: 'Salesforce-Lead', id: '00Q5e00000AbCdEAAZ' }] } },
    ),
    mocks: () => {
      mockLogin();
      mockDescribe('Lead');
    },
    expected: {
      error: {
        status: 400,
        message: /^Field IsConverted on Lead cannot be written on update/,
        statTags: instrumentation,
      },
    },
  },
  {
    id: 'retl-native-upsert',
    scenario: 'Reverse ETL by a field describe marks as an External ID',
    successCriteria:
      'A native upsert PATCH /sobjects/Product__c/Sku__c/<value>, without the field in the body, and no lookup',
    message: {
      type: 'identify',
      integrations: { Salesforce: true },
      traits: { Name: 'Widget', Price__c: 3 },
      context: {
        mappedToDestination: true,
        externalId: [{ type: 'SALESFORCE-Product__c', id: 'SKU 1/a', identifierType: 'sku__c' }],
      },
    },
    mocks: () => {
      mockLogin();
      mockDescribe('Product__c', { only: PRODUCT_FIELDS, externalIds: ['Sku__c'] });
    },
    expected: {
      requests: [
        {
          method: 'PATCH',
          path: '/sobjects/Product__c/Sku__c/SKU%201%2Fa',
          body: { Name: 'Widget', Price__c: 3 },
          absent: ['Sku__c', 'sku__c'],
        },
      ],
    },
  },
  {
    id: 'quota-guard',
    scenario: 'The last answer said 96% of the daily API allocation is used',
    successCriteria: 'Throttled (429) without spending a call, so rudder-server retries later',
    message: identify({ email: 'a@acme.com' }),
    before: (runtime) => runtime.quota.record('dest-1', 14_400, 15_000),
    expected: {
      error: {
        status: 429,
        message: /quota guard: 14400 of 15000 daily API calls used \(96%\).*95% threshold/,
        statTags: { errorCategory: 'network', errorType: 'throttled' },
      },
    },
  },
  {
    id: 'quota-guard-threshold-config',
    scenario: 'Same usage, apiQuotaThreshold 0.99',
    successCriteria: 'Calls are still spent below the configured threshold',
    message: identify({ email: 'a@acme.com' }),
    destination: destination({ apiQuotaThreshold: 0.99 }),
    before: (runtime) => runtime.quota.record('dest-1', 14_400, 15_000),
    mocks: noLead('a@acme.com'),
    expected: { requests: [{ method: 'POST', path: '/sobjects/Lead' }] },
  },
  {
    id: 'client-credentials-flow',
    scenario: 'Client credentials against the My Domain (the replacement of the password flow)',
    successCriteria: 'The client_credentials grant with id and secret in the body, at the My Domain host',
    message: identify({ email: 'cc@acme.com' }),
    destination: destination({
      userName: undefined,
      password: undefined,
      initialAccessToken: undefined,
      loginUrl: 'https://acme.my.salesforce.com',
    }),
    mocks: () => {
      mockTokenGrant(
        (b) =>
          b.grant_type === 'client_credentials' &&
          b.client_id === 'client-id-abc' &&
          b.client_secret === 'client-secret-xyz',
        'https://acme.my.salesforce.com',
      );
      mockDescribe('Lead');
      mockQuery(leadQuery(['cc@acme.com']), []);
    },
    expected: { requests: [{ method: 'POST', path: '/sobjects/Lead' }] },
  },
  {
    id: 'client-credentials-needs-my-domain',
    scenario: 'Client credentials configured without a My Domain loginUrl',
    successCriteria: 'ConfigurationError naming Config.loginUrl',
    message: identify({ email: 'cc@acme.com' }),
    destination: destination({ authFlow: 'clientCredentials' }),
    expected: {
      error: {
        status: 400,
        message: /Config\.loginUrl must be your org's My Domain/,
        statTags: configuration,
      },
    },
  },
  {
    id: 'jwt-bearer-flow',
    scenario: 'The JWT bearer flow with a private key in the config',
    successCriteria:
      'An RS256 assertion (iss client id, sub user, aud login host) that verifies with the public key',
    message: identify({ email: 'jwt@acme.com' }),
    destination: destination({
      password: undefined,
      initialAccessToken: undefined,
      privateKey: PRIVATE_KEY_PEM,
    }),
    mocks: () => {
      mockTokenGrant(verifiesJwt);
      mockDescribe('Lead');
      mockQuery(leadQuery(['jwt@acme.com']), []);
    },
    expected: { requests: [{ method: 'POST', path: '/sobjects/Lead' }] },
  },
  {
    id: 'jwt-bearer-bad-key',
    scenario: 'jwtBearer with a private key that is not a key',
    successCriteria: 'ConfigurationError naming Config.privateKey, before any call',
    message: identify({ email: 'jwt@acme.com' }),
    destination: destination({ authFlow: 'jwtBearer', privateKey: 'not a key' }),
    expected: {
      error: {
        status: 400,
        message: /Config\.privateKey is not a usable PEM private key/,
        statTags: configuration,
      },
    },
  },
  {
    id: 'ambiguous-auth-config',
    scenario: 'Both a password and a private key, without authFlow',
    successCriteria: 'ConfigurationError naming both keys and Config.authFlow',
    message: identify({ email: 'jwt@acme.com' }),
    destination: destination({ privateKey: PRIVATE_KEY_PEM }),
    expected: {
      error: {
        status: 400,
        message: /Config\.privateKey and Config\.password.*Config\.authFlow/,
        statTags: configuration,
      },
    },
  },
];
