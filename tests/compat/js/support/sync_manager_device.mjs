// One simulated device of the Cognito Sync Manager (amazon-cognito-js) under Node: a manager
// whose local cache is a Web Storage of its own, in memory. Shared by the suites that need a
// real Sync Manager device (sync_manager.test.mjs, sts_classic.test.mjs,
// browser/console_browser.mjs).

// The subset of the Web Storage API the manager uses. Items are own enumerable properties, as
// in a browser, because the manager's wipe() walks the storage with for..in.
export class MemoryLocalStorage {
  getItem(key) {
    return Object.prototype.hasOwnProperty.call(this, key) ? this[key] : null;
  }

  setItem(key, value) {
    this[key] = String(value);
  }

  removeItem(key) {
    delete this[key];
  }

  clear() {
    for (const key of Object.keys(this)) delete this[key];
  }

  key(i) {
    return Object.keys(this)[i] ?? null;
  }

  get length() {
    return Object.keys(this).length;
  }
}

// A new device: `AWS` is the aws-sdk module that amazon-cognito-js extended.
export function newDevice(AWS) {
  globalThis.window = { localStorage: new MemoryLocalStorage() };
  const manager = new AWS.CognitoSyncManager();
  delete globalThis.window;  // the store keeps its reference; nothing else may rely on it
  return manager;
}

// A callback-style method as a promise.
export const call = (fn, ...args) => new Promise((resolve, reject) => {
  fn(...args, (err, data) => (err ? reject(err) : resolve(data)));
});

// A dataset of the device with promise-returning put/get/remove.
export async function open(device, name) {
  const dataset = await call(device.openOrCreateDataset.bind(device), name);
  return {
    dataset,
    put: (k, v) => call(dataset.put.bind(dataset), k, v),
    get: (k) => call(dataset.get.bind(dataset), k),
    remove: (k) => call(dataset.remove.bind(dataset), k),
  };
}

// dataset.synchronize with recorded callbacks; handlers may override the defaults.
export function synchronize(dataset, handlers = {}) {
  const seen = { conflicts: [], deleted: handlers.deleted ?? [], merged: [] };
  return new Promise((resolve, reject) => {
    dataset.synchronize({
      onSuccess: () => resolve(seen),
      onFailure: (err) => reject(err),
      onConflict: (ds, conflicts, cb) => {
        seen.conflicts.push(...conflicts);
        if (!handlers.onConflict) return cb(false);
        return handlers.onConflict(ds, conflicts, cb);
      },
      // Returning true would make amazon-cognito-js 1.1.0 purge the dataset and then call
      // dataset._synchronizeInternal, a method it never defines (TypeError). The callback
      // being called is what the server controls, so the tests cancel there (false).
      onDatasetDeleted: (ds, name, cb) => {
        seen.deleted.push(name);
        return cb(false);
      },
      onDatasetsMerged: (ds, names, cb) => {
        seen.merged.push(...names);
        return cb(false);
      },
    });
  });
}
