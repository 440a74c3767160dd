// The review page's first requests, as functions both the page and the app's start use: a deep
// link to `/a/<asset>` starts them while the app still asks who is signed in (`prefetchReview`),
// and the page takes those answers instead of asking again (see early.ts).
import { api, call } from './api/client';
import { startEarly } from './early';

/** Threads in the first page of comments: a small page comes back soonest. */
export const FIRST_PAGE = 50;

export const fetchAsset = (id: string) => call(api.GET('/api/v1/assets/{id}', { params: { path: { id } } }));

export const fetchVersions = (id: string) => call(api.GET('/api/v1/assets/{id}/versions', { params: { path: { id } } }));

export const fetchComments = (id: string, limit: number, cursor?: string) =>
  call(api.GET('/api/v1/versions/{id}/comments', { params: { path: { id }, query: { limit, cursor } } }));

export const fetchReview = (id: string) => call(api.GET('/api/v1/versions/{id}/review', { params: { path: { id } } }));

/**
 * Starts the asset and its versions, then, for the version the page will show (`?v=`, else the
 * current one), its review and first page of comments.
 */
export function prefetchReview(assetId: string, versionId: string | null): void {
  startEarly(`asset:${assetId}`, () => fetchAsset(assetId));
  const versions = fetchVersions(assetId);
  startEarly(`versions:${assetId}`, () => versions);
  versions.then(
    ({ items }) => {
      const v = items.find((x) => x.id === versionId) ?? items.find((x) => x.current) ?? items[0];
      if (!v) return;
      startEarly(`comments:${v.id}`, () => fetchComments(v.id, FIRST_PAGE));
      startEarly(`review:${v.id}`, () => fetchReview(v.id));
    },
    () => undefined,
  );
}
