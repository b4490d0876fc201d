// One simulated device of the Cognito Sync Manager (amazon-cognito-js) under Node: a manager
// whose local cache is a Web Storage of its own, in memory. Shared by the suites that need a
// real Sync Manager device (sync_manager.test.mjs, browser/console_browser.mjs).

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
