// The signed-in person's inbox, shared by the "My work" page and the header's unread badge.
import { api, call, type Schemas } from './api/client';

export const inbox = $state<{ view: Schemas['InboxView'] | null }>({ view: null });

let inflight: Promise<void> | null = null;

/** Fetches the inbox again (calls made while one is under way share it). */
export function refreshInbox(): Promise<void> {
  inflight ??= call(api.GET('/api/v1/account/inbox'))
    .then((v) => {
      inbox.view = v;
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}
