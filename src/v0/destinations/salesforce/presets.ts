/**
 * The presets the README documents (data/presets/*.json): `eventMappings` rules for the common mappings, by file
 * name. Hosts and tools read them here; users copy them from the README.
 */
import addedToCampaign from './data/presets/added-to-campaign.json';
import caseOpened from './data/presets/case-opened.json';
import groupAccountExternalId from './data/presets/group-account-external-id.json';
import groupAccount from './data/presets/group-account.json';
import identifyContact from './data/presets/identify-contact.json';
import orderCompletedOpportunity from './data/presets/order-completed-opportunity.json';
import trackTask from './data/presets/track-task.json';

export const PRESETS: Readonly<Record<string, readonly unknown[]>> = {
  'added-to-campaign': addedToCampaign,
  'case-opened': caseOpened,
  'group-account-external-id': groupAccountExternalId,
  'group-account': groupAccount,
  'identify-contact': identifyContact,
  'order-completed-opportunity': orderCompletedOpportunity,
  'track-task': trackTask,
};
