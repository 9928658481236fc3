/** What a bench scenario is, and the request builders the scenario files share. */
import type { RawRequest, RequestSpec } from 'autocannon';

export type ScenarioKey =
  | 'find-or-create'
  | 'lookup'
  | 'upsert'
  | 'list'
  | 'sign-in'
  | 'refresh'
  | 'tagmango'
  | 'thanx'
  | 'publicala'
  | 'usercom'
  | 'scim-filter'
  | 'scim-membership';
export type Versus = 'thin' | 'hashes' | 'native';

/** Calls Roster's API with the bench tenant's key. */
export type RosterApi = (method: string, path: string, body?: unknown) => Promise<any>;

export interface Scenario {
  key: ScenarioKey;
  /** Roster req/s must reach this share of the thin route's. */
  ratioTarget: number | null;
  /** Roster's p99 must stay under this (the issue sets it with the ratios; other scenarios only report it). */
  p99Target: number | null;
  /** Connections for this scenario (default CONNECTIONS). */
  connections?: number;
  /**
   * What the ratio column compares Roster with: the thin route (default), the in-process hash rate, or (dialect
   * scenarios) the native endpoint the dialect maps to, on Roster too.
   */
  versus?: Versus;
  /** What the `roster` requests are (dialect scenarios), for the table. */
  label?: string;
  /** Headers of the `roster` requests instead of the default bearer key + JSON (dialects send keys their way). */
  headers?: (key: string) => Record<string, string>;
  /** Setup through Roster's API before the scenario runs (only when it is selected). */
  prepare?: (roster: RosterApi) => Promise<void>;
  roster: () => RequestSpec;
  /** Absent: Roster only. */
  thin?: () => RequestSpec;
  /**
   * The native baseline of a dialect scenario (versus 'native'): the requests of one iteration, sent in order on
   * each connection (a later one may use what an earlier one answered, through autocannon's per-connection context).
   */
  native?: () => RequestSpec[];
}

export const json = { 'content-type': 'application/json' };

let counter = 0;
/** A number no other request of this run has used (new emails and external ids). */
export const nextNumber = () => ++counter;
export const pick = (n: number) => Math.floor(Math.random() * n);
export const seedEmail = (i: number) => `seed${i}@bench.example`;
export const seedExternalId = (i: number) => `seed-${i}`;

/** A request whose body or path changes every time. */
export function dynamic(method: string, make: () => { path: string; body?: unknown }): RequestSpec {
  return {
    method,
    setupRequest(request: RawRequest) {
      const { path, body } = make();
      request.path = path;
      if (body !== undefined) request.body = JSON.stringify(body);
      return request;
    },
  };
}
