/**
 * Node test environment for sw/ code: IndexedDB from fake-indexeddb, and the Cache API plus
 * fetch classes from undici's spec implementation (undici's `caches` accepts only undici's own
 * `Response`, so all of them are installed together).
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach } from 'vitest';
import { caches, fetch, Headers, Request, Response } from 'undici';

Object.assign(globalThis, { caches, fetch, Headers, Request, Response });

beforeEach(() => {
  // A fresh database factory per test: no state leaks between tests.
  globalThis.indexedDB = new IDBFactory();
});

beforeEach(async () => {
  // undici's CacheStorage is one process-wide object: empty it per test.
  for (const name of await caches.keys()) await caches.delete(name);
});
