/** `roster.webhooks`: endpoints, their deliveries, secret rotation and replay. Receivers use verifyWebhook. */
import { type RequestOptions, seg, type Transport } from '../http.ts';
import { PagedList } from '../pagination.ts';
import type { RequestBody, ResponseBody } from '../types.ts';

export type WebhookEndpoint = ResponseBody<'getWebhook'>;
export type WebhookDelivery = ResponseBody<'listWebhookDeliveries'>['data'][number];

export class Webhooks {
  constructor(private readonly http: Transport) {}
  /** Registers an endpoint; its signing `secret` is in this answer only. @throws RosterError VALIDATION_FAILED */
  async create(input: RequestBody<'createWebhook'>, options?: RequestOptions): Promise<ResponseBody<'createWebhook', 201>> {
    return (await this.http.send<ResponseBody<'createWebhook', 201>>({ method: 'POST', path: '/v1/webhooks', body: input, options })).data;
  }
  /** An endpoint by id. @throws RosterError WEBHOOK_NOT_FOUND */
  async get(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return (await this.http.send<WebhookEndpoint>({ method: 'GET', path: `/v1/webhooks/${seg(id)}`, options })).data;
  }
  /** Every endpoint of the tenant. */
  async list(options?: RequestOptions): Promise<WebhookEndpoint[]> {
    return (await this.http.send<ResponseBody<'listWebhooks'>>({ method: 'GET', path: '/v1/webhooks', options })).data.data;
  }
  /** Changes an endpoint (url, event types, enabled, headers). @throws RosterError WEBHOOK_NOT_FOUND */
  async update(id: string, patch: RequestBody<'updateWebhook'>, options?: RequestOptions): Promise<WebhookEndpoint> {
    return (await this.http.send<WebhookEndpoint>({ method: 'PATCH', path: `/v1/webhooks/${seg(id)}`, body: patch, options })).data;
  }
  /** Deletes an endpoint and its queued deliveries. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/webhooks/${seg(id)}`, options });
  }
  /** A new signing secret; the old one keeps signing until `previousSecretValidUntil`. */
  async rotateSecret(id: string, options?: RequestOptions): Promise<ResponseBody<'rotateWebhookSecret'>> {
    const path = `/v1/webhooks/${seg(id)}/rotate-secret`;
    return (await this.http.send<ResponseBody<'rotateWebhookSecret'>>({ method: 'POST', path, options })).data;
  }
  /** Queues a test event to the endpoint. */
  async test(id: string, options?: RequestOptions): Promise<ResponseBody<'testWebhook', 202>> {
    return (await this.http.send<ResponseBody<'testWebhook', 202>>({ method: 'POST', path: `/v1/webhooks/${seg(id)}/test`, options })).data;
  }
  /** Sends past events again (since a time, by id, or only failed ones). */
  async replay(id: string, input: RequestBody<'replayWebhook'>, options?: RequestOptions): Promise<ResponseBody<'replayWebhook', 202>> {
    const path = `/v1/webhooks/${seg(id)}/replay`;
    return (await this.http.send<ResponseBody<'replayWebhook', 202>>({ method: 'POST', path, body: input, options })).data;
  }
  /** The endpoint's delivery attempts, page by page. */
  deliveries(id: string, query: { limit?: number } = {}, options?: RequestOptions): PagedList<WebhookDelivery> {
    const path = `/v1/webhooks/${seg(id)}/deliveries`;
    return new PagedList(
      async (cursor) =>
        (await this.http.send<ResponseBody<'listWebhookDeliveries'>>({ method: 'GET', path, query: { ...query, cursor }, options })).data,
    );
  }
}
