/**
 * Which strings Salesforce takes as an email address. An address it refuses (INVALID_EMAIL_ADDRESS) would still cost
 * a lookup and a write before the refusal; checked here, it costs nothing and its message says which rule it broke.
 * The rules are the common address syntax Salesforce applies to Email fields (80 characters at most on Lead and
 * Contact, salesforce-api.md 10.1): a local part, one `@`, and a domain name with a dot.
 */

/** Lead.Email and Contact.Email hold at most 80 characters. */
const MAX_EMAIL_LENGTH = 80;

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

function localProblem(local: string): string | undefined {
  if (!local) return 'nothing before the @';
  if (!LOCAL.test(local)) return 'a character an address cannot have before the @';
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return 'a misplaced dot before the @';
  return undefined;
}

function domainProblem(domain: string): string | undefined {
  if (!domain) return 'nothing after the @';
  const labels = domain.split('.');
  if (labels.length < 2) return `no dot in its domain "${domain}"`;
  if (!labels.every((label) => DOMAIN_LABEL.test(label)))
    return `a domain "${domain}" that is not a host name`;
  if (!/^[A-Za-z]{2,}$/.test(labels[labels.length - 1]))
    return `a domain "${domain}" without a top-level name`;
  return undefined;
}

/**
 * An address every rule below accepts, in one test: dot-separated atoms of LOCAL's characters, one `@`, and
 * host-name labels ending in a top-level name of letters. Most addresses match it; the others are examined rule by
 * rule, which names the problem.
 */
const PLAIN_ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;

/** Why Salesforce would refuse `address` (already trimmed), or undefined when it is a valid address. */
export function emailProblem(address: string): string | undefined {
  if (!address) return 'it is empty';
  if (address.length > MAX_EMAIL_LENGTH) return `it is longer than ${MAX_EMAIL_LENGTH} characters`;
  if (PLAIN_ADDRESS.test(address)) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what an address cannot hold
  if (/[\s\u0000-\u001f\u007f]/.test(address)) return 'it contains a space or a control character';
  const at = address.split('@');
  if (at.length === 1) return 'it has no @';
  if (at.length > 2) return 'it has more than one @';
  const problem = localProblem(at[0]) ?? domainProblem(at[1]);
  return problem ? `it has ${problem}` : undefined;
}
