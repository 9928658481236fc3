import type { EventInput, EventsService } from '../../src/modules/events/events.service.ts';
import type { ServiceWrappers, WrappableServices } from '../../src/registry.ts';

/** The error a wrapped service throws: a step that fails after the steps before it have written. */
export class InjectedFailure extends Error {
  constructor(what: string) {
    super(`injected failure: ${what}`);
  }
}

/**
 * Wrappers whose events service throws when asked to write an event of this type, after every write of the
 * step before it: the step that writes that event fails inside its transaction.
 */
export function failingEvent(type: string): ServiceWrappers {
  return {
    events: (events: EventsService): EventsService => ({
      ...events,
      async record(...args: Parameters<EventsService['record']>) {
        const inputs = args.slice(2) as EventInput[];
        if (inputs.some((input) => input.type === type)) throw new InjectedFailure(type);
        return events.record(...args);
      },
    }),
  };
}

type AsyncMethodOf<S> = { [M in keyof S]: S[M] extends (...args: never[]) => Promise<unknown> ? M : never }[keyof S];

/** Wrappers with one method of one service replaced by one that runs it, then throws (its writes are rolled back with it). */
export function failingAfter<K extends keyof WrappableServices, M extends AsyncMethodOf<WrappableServices[K]>>(
  key: K,
  method: M,
): ServiceWrappers {
  const wrap = (service: WrappableServices[K]): WrappableServices[K] => {
    const original = service[method] as unknown as (...args: unknown[]) => Promise<unknown>;
    return {
      ...service,
      [method]: async (...args: unknown[]) => {
        await original.apply(service, args);
        throw new InjectedFailure(`${String(key)}.${String(method)}`);
      },
    };
  };
  return { [key]: wrap } as ServiceWrappers;
}
