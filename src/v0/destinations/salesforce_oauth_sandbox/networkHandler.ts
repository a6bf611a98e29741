/**
 * rudder-transformer picks a proxy handler by the route's directory name and does not alias it (rudder-contract.md A.6), so the
 * OAuth definitions need their own directory. The Salesforce handler serves them: it tells the OAuth flow from the
 * `destType` it is given.
 */
export * from '../salesforce/networkHandler';
