import type { Endpoint } from 'comlink';

/** The part of a node:worker_threads MessagePort / Worker that Comlink needs. */
export interface NodePortLike {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
}

/**
 * Comlink endpoint over a worker_threads port (Node delivers the payload, not a MessageEvent).
 * A typed copy of comlink's node-adapter, whose .mjs path has no type declarations.
 */
export function nodeEndpoint(port: NodePortLike): Endpoint {
  const wrapped = new WeakMap<EventListenerOrEventListenerObject, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) =>
      port.postMessage(message, (transfer ?? []) as ArrayBuffer[]),
    addEventListener: (_type: string, handler: EventListenerOrEventListenerObject | null) => {
      if (!handler) return;
      const l = (data: unknown): void => {
        const event = { data } as MessageEvent;
        if ('handleEvent' in handler) handler.handleEvent(event);
        else handler(event);
      };
      port.on('message', l);
      wrapped.set(handler, l);
    },
    removeEventListener: (_type: string, handler: EventListenerOrEventListenerObject | null) => {
      const l = handler && wrapped.get(handler);
      if (!l) return;
      port.off('message', l);
      wrapped.delete(handler);
    },
    dispatchEvent: () => false,
  } as Endpoint;
}
