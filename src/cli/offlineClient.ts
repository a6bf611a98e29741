/**
 * A SalesforceClient that never touches the network: a placeholder session, and every lookup answers "no record",
 * so an event's records show up as creates.
 */
import type {
  AuthInfo,
  SalesforceClient,
  SessionContext,
  SObjectRecord,
} from '../v0/destinations/salesforce/index';

const PLACEHOLDER_TOKEN = '<access-token>';
const PLACEHOLDER_INSTANCE = 'https://<your-instance>.my.salesforce.com';

export class OfflineClient implements SalesforceClient {
  async authorize(_ctx: SessionContext): Promise<AuthInfo> {
    return { flow: 'password', accessToken: PLACEHOLDER_TOKEN, instanceUrl: PLACEHOLDER_INSTANCE };
  }

  async query(_ctx: SessionContext, _soql: string): Promise<SObjectRecord[]> {
    return [];
  }
}
