/**
 * Salesforce protocol constants (each with its source), the destination configuration schema, and the normalised
 * configuration the code works with. The input type is derived from the schema and the normalised type from the
 * input type, so a key the code reads cannot be missing from the schema (the reference's `mapProperty` /
 * `mapProperties` drift, rudder-contract.md B.0 item 5).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigurationError } from '../../../framework/errors';
import { describeShapeProblem, shapeProblem } from '../../../framework/shape';
import { compileValidator } from '../../../framework/validate';
import type { Destination } from '../../../framework/types';
import { compileRules, type CompiledRule } from './rules/compile';
import type { SalesforceSettings } from './settings';

export const DESTINATION = 'Salesforce';

/**
 * Default REST API version. v62.0 (Winter '25) is current, long supported and has every feature we use
 * (collections v42+, upsert `created` flag v46+). https://developer.salesforce.com/docs/platform/api-rest/guide/resources-versions.md
 */
export const DEFAULT_API_VERSION = '62.0';
/** Versions 21.0–30.0 are retired (Summer '25) and answer 410; 31.0 is the oldest one served (salesforce-api.md 9). */
export const MIN_API_VERSION = 31;
/** Collections need v42.0 (create/update) and v46.0 (upsert). resources_composite_sobjects_collections.htm */
export const MIN_COLLECTIONS_API_VERSION = 42;
/** Records per sObject-collections request. resources-composite-sobjects-collections-create.html */
export const MAX_RECORDS_PER_COLLECTION = 200;
/** Collections (or query) subrequests allowed in one Composite request. requests_composite.htm */
export const MAX_COLLECTIONS_PER_COMPOSITE = 5;
/** Type chunks allowed in one collections request (a new chunk starts when the type changes). */
export const MAX_TYPE_CHUNKS_PER_COLLECTION = 10;
/** Each string literal in a WHERE clause (SOQL limits cheat sheet). */
export const MAX_SOQL_LITERAL_LENGTH = 4000;
/**
 * URI + headers are capped at 16,384 bytes (salesforce_app_limits_platform_api.htm); we keep the encoded SOQL of
 * one lookup well under it, leaving room for the host, path and headers.
 */
export const MAX_ENCODED_SOQL_LENGTH = 12_000;

export const LOGIN_URL = 'https://login.salesforce.com';
export const SANDBOX_LOGIN_URL = 'https://test.salesforce.com';
export const TOKEN_PATH = '/services/oauth2/token';

export const WRITE_MODES = ['record', 'collections'] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

/** How we sign in when rudder-server does not hand us a token (salesforce-api.md section 8). */
export const AUTH_FLOWS = ['password', 'clientCredentials', 'jwtBearer'] as const;
export type AuthFlowName = (typeof AUTH_FLOWS)[number];

/** What a user deletion request does to the user's Leads and Contacts. */
export const DELETE_USERS_MODES = ['delete', 'anonymize'] as const;
export type DeleteUsersMode = (typeof DELETE_USERS_MODES)[number];

/** What to do with a field the org lacks (known from describe). */
export const UNKNOWN_FIELD_POLICIES = ['reject', 'drop'] as const;
export type UnknownFieldPolicy = (typeof UNKNOWN_FIELD_POLICIES)[number];

/**
 * Config keys that hold secrets. They are never echoed back in outputs (rudder-server reads none of them after the
 * transform) and a host's logs must redact them.
 */
export const SECRET_CONFIG_KEYS = ['password', 'initialAccessToken', 'clientSecret', 'privateKey'] as const;

/** Default share of the daily API allocation after which we stop spending calls. */
export const DEFAULT_API_QUOTA_THRESHOLD = 0.95;

/**
 * A login host: HTTPS only (credentials travel to it), except plain HTTP on loopback for a local simulator.
 * No path, query, user info (`@`) or spaces.
 */
const LoginUrl = Type.String({
  pattern: '^(https://[A-Za-z0-9.-]+|http://(127\\.0\\.0\\.1|localhost|\\[::1\\]))(:[0-9]{1,5})?/?$',
});

export const SalesforceConfigSchema = Type.Object(
  {
    userName: Type.Optional(Type.String({ description: 'Salesforce username (password flow).' })),
    password: Type.Optional(Type.String({ description: 'Salesforce password (password flow).' })),
    initialAccessToken: Type.Optional(
      Type.String({ description: 'Security token, appended to the password (password flow).' }),
    ),
    sandbox: Type.Boolean({ default: false, description: 'Log in at test.salesforce.com instead of login.' }),
    loginUrl: Type.Optional(
      Type.Union([LoginUrl, Type.Literal('')], {
        description: 'Login host: your My Domain (https://acme.my.salesforce.com) or a local simulator.',
      }),
    ),
    clientId: Type.Optional(
      Type.String({ description: 'Connected app client id (else SALESFORCE_CLIENT_ID).' }),
    ),
    clientSecret: Type.Optional(
      Type.String({ description: 'Connected app client secret (else SALESFORCE_CLIENT_SECRET).' }),
    ),
    authFlow: Type.Optional(
      Type.Union(
        AUTH_FLOWS.map((f) => Type.Literal(f)),
        {
          description:
            'password (userName, password, security token), clientCredentials (clientId, clientSecret, My Domain loginUrl) or jwtBearer (clientId, userName, privateKey). Inferred when absent.',
        },
      ),
    ),
    privateKey: Type.Optional(
      Type.String({ description: 'PEM private key whose certificate is on the connected app (jwtBearer).' }),
    ),
    apiQuotaThreshold: Type.Number({
      default: DEFAULT_API_QUOTA_THRESHOLD,
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Share of the daily API allocation after which calls stop and events are throttled (0-1].',
    }),
    unknownFieldPolicy: Type.Union(
      UNKNOWN_FIELD_POLICIES.map((p) => Type.Literal(p)),
      {
        default: 'reject',
        description:
          'A field the org lacks: reject the record (400 naming the field) or drop the field and report it.',
      },
    ),
    mapProperty: Type.Optional(
      Type.Boolean({ description: 'Map traits to Lead/Contact fields (default true).' }),
    ),
    mapProperties: Type.Optional(Type.Boolean({ description: 'Alias of mapProperty (the dashboard key).' })),
    useContactId: Type.Boolean({ default: false, description: 'Update the Contact of a converted Lead.' }),
    apiVersion: Type.String({
      default: DEFAULT_API_VERSION,
      pattern: '^[0-9]{2}\\.0$',
      description: 'REST API version, for example 62.0.',
    }),
    requireExplicitOptIn: Type.Boolean({
      default: true,
      description: 'Send only identify events whose integrations object enables Salesforce.',
    }),
    writeMode: Type.Optional(
      Type.Union(
        WRITE_MODES.map((m) => Type.Literal(m)),
        { description: 'record (default, safe everywhere) or collections (needs transformer proxy v1).' },
      ),
    ),
    eventMappings: Type.Optional(
      Type.Array(Type.Unknown(), {
        description:
          'Rules that map events (identify, track, page, screen, group, record) to records of any object, with create, update, upsert or delete. Each rule is checked on its own (rules/schema.ts), so its errors name it.',
      }),
    ),
    deleteUsersMode: Type.Union(
      DELETE_USERS_MODES.map((m) => Type.Literal(m)),
      {
        default: 'delete',
        description:
          "What a user deletion request (/deleteUsers) does to the Leads and Contacts with the user's email: delete them, or anonymize (blank) their mapped fields.",
      },
    ),
  },
  { additionalProperties: true },
);
export type SalesforceConfigInput = Static<typeof SalesforceConfigSchema>;

/** The normalised configuration the code works with: the schema's keys, defaults applied, plus what is derived. */
export type SalesforceConfig = Pick<
  SalesforceConfigInput,
  | 'privateKey'
  | 'apiQuotaThreshold'
  | 'unknownFieldPolicy'
  | 'userName'
  | 'password'
  | 'sandbox'
  | 'clientId'
  | 'clientSecret'
  | 'useContactId'
  | 'apiVersion'
  | 'requireExplicitOptIn'
  | 'deleteUsersMode'
> & {
  authFlow: AuthFlowName;
  /** `initialAccessToken`, appended to the password. */
  securityToken: string;
  /** The login host: `loginUrl`, or login / test.salesforce.com by `sandbox`; no trailing slash. */
  loginUrl: string;
  /** `mapProperty`, or its alias `mapProperties`; default true. */
  mapProperty: boolean;
  writeMode: WriteMode;
  /** `eventMappings`, compiled: which events write which records. */
  rules: CompiledRule[];
};

const PREFIX = 'Invalid Salesforce destination config:';

const validateConfig = compileValidator(
  SalesforceConfigSchema,
  (message) => new ConfigurationError(`${PREFIX} ${message}`),
  'Config',
);

/** The write mode when the config sets none: `SALESFORCE_WRITE_MODE`, else record. */
function defaultWriteMode(settings: SalesforceSettings): WriteMode {
  const value = settings.writeMode;
  if (value === undefined || value === '') return 'record';
  if ((WRITE_MODES as readonly string[]).includes(value)) return value as WriteMode;
  throw new ConfigurationError(
    `SALESFORCE_WRITE_MODE must be one of ${WRITE_MODES.join(', ')}; got ${JSON.stringify(value)}`,
  );
}

/** The shared login hosts (production and sandbox), as opposed to an org's My Domain. */
export const GENERIC_LOGIN_HOSTS = /^https:\/\/(login|test)\.salesforce\.com$/i;

/** The flow a config implies when `authFlow` is not set; ambiguous combinations must say which they mean. */
function inferAuthFlow(input: SalesforceConfigInput): AuthFlowName {
  if (input.privateKey && input.password) {
    throw new ConfigurationError(
      `${PREFIX} both Config.privateKey and Config.password are set; set Config.authFlow to jwtBearer or password`,
    );
  }
  if (input.privateKey) return 'jwtBearer';
  // Client credentials need the org's My Domain; a client id and secret alone also serve the password flow.
  const myDomain = input.loginUrl && !GENERIC_LOGIN_HOSTS.test(input.loginUrl.replace(/\/$/, ''));
  if (!input.userName && !input.password && input.clientId && input.clientSecret && myDomain) {
    return 'clientCredentials';
  }
  return 'password';
}

/** Checks across keys that the schema cannot express. */
function checkCombinations(input: SalesforceConfigInput, writeMode: WriteMode): void {
  if (
    input.mapProperty !== undefined &&
    input.mapProperties !== undefined &&
    input.mapProperty !== input.mapProperties
  ) {
    throw new ConfigurationError(
      `${PREFIX} Config.mapProperty and Config.mapProperties disagree; set only one`,
    );
  }
  const version = Number(input.apiVersion);
  if (version < MIN_API_VERSION) {
    throw new ConfigurationError(
      `${PREFIX} Config.apiVersion ${input.apiVersion} is retired by Salesforce; use ${MIN_API_VERSION}.0 or later (default ${DEFAULT_API_VERSION})`,
    );
  }
  if (writeMode === 'collections' && version < MIN_COLLECTIONS_API_VERSION) {
    throw new ConfigurationError(
      `${PREFIX} writeMode collections needs Config.apiVersion ${MIN_COLLECTIONS_API_VERSION}.0 or later (got ${input.apiVersion}); raise apiVersion or use writeMode record`,
    );
  }
}

/**
 * Validate and normalise `destination.Config`, with the settings read from the environment. Throws a
 * ConfigurationError naming the key. The input is not changed (the host may deep-freeze it).
 */
export function parseConfig(destination: Destination, settings: SalesforceSettings): SalesforceConfig {
  const problem = shapeProblem(destination.Config, 'Config');
  if (problem) throw new ConfigurationError(`${PREFIX} ${describeShapeProblem(problem)}`);
  const input = validateConfig(structuredClone(destination.Config));
  const writeMode = input.writeMode ?? defaultWriteMode(settings);
  checkCombinations(input, writeMode);
  return {
    authFlow: input.authFlow ?? inferAuthFlow(input),
    privateKey: input.privateKey || undefined,
    apiQuotaThreshold: input.apiQuotaThreshold,
    unknownFieldPolicy: input.unknownFieldPolicy,
    userName: input.userName || undefined,
    password: input.password || undefined,
    securityToken: input.initialAccessToken ?? '',
    sandbox: input.sandbox,
    loginUrl: (input.loginUrl || (input.sandbox ? SANDBOX_LOGIN_URL : LOGIN_URL)).replace(/\/$/, ''),
    clientId: input.clientId || undefined,
    clientSecret: input.clientSecret || undefined,
    mapProperty: input.mapProperty ?? input.mapProperties ?? true,
    useContactId: input.useContactId,
    apiVersion: input.apiVersion,
    requireExplicitOptIn: input.requireExplicitOptIn,
    writeMode,
    rules: compileRules(input.eventMappings),
    deleteUsersMode: input.deleteUsersMode,
  };
}

/** `https://host/services/data/v62.0` for an instance. */
export function dataUrl(instanceUrl: string, apiVersion: string): string {
  return `${instanceUrl.replace(/\/$/, '')}/services/data/v${apiVersion}`;
}
