import type { Clock } from '../../../core/clock.ts';
import type { ProviderCredentials, ProviderSettings, ProviderType } from '../providers.ts';
import { createAuth0Connector } from './auth0.connector.ts';
import type { Connector } from './connector.ts';
import { createHttpJsonConnector } from './http-json.connector.ts';
import type { OutboundPolicy } from './outbound-http.ts';
import { createScimConnector } from './scim.connector.ts';

export interface ConnectorConfig {
  type: ProviderType;
  endpoint: string;
  settings: ProviderSettings;
  credentials: ProviderCredentials;
}

/** The connector for a (validated) provider configuration. */
export function createConnector(config: ConnectorConfig, deps: { clock: Clock; policy: OutboundPolicy }): Connector {
  const { type, endpoint, settings, credentials } = config;
  switch (type) {
    case 'auth0':
      return createAuth0Connector({
        endpoint,
        audience: settings.audience,
        credentials: { clientId: credentials.clientId ?? '', clientSecret: credentials.clientSecret ?? '' },
        ...deps,
      });
    case 'scim':
      return createScimConnector({ endpoint, credentials: { token: credentials.token ?? '' }, ...deps });
    case 'http':
      return createHttpJsonConnector({
        endpoint,
        settings: {
          resultPointer: settings.resultPointer ?? '',
          userByIdUrl: settings.userByIdUrl ?? null,
          pointers: { subject: '/id', ...settings.pointers },
        },
        credentials: { headers: credentials.headers ?? {} },
        ...deps,
      });
  }
}
