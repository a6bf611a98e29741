/**
 * The destination config that signs in to a simulator started with the default user and connected app, so the
 * demo, the CLI, the benchmarks and the tests do not each spell the demo credentials out again.
 */
import { DEFAULT_CLIENTS, DEFAULT_USERS } from './state';

export function demoDestinationConfig(
  url: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const [user] = DEFAULT_USERS;
  const [client] = DEFAULT_CLIENTS;
  return {
    userName: user.username,
    password: user.password,
    initialAccessToken: user.securityToken,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    loginUrl: url,
    ...extra,
  };
}
