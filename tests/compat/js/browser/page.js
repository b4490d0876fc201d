// Runs in the browser: syncs one record through the Cognito Sync Manager against the cogsync
// endpoint named in the query string and reports the outcome in #status and on the console.
// With `role` in the query string the credentials come from the classic flow (D27): the SDK
// calls GetId, GetOpenIdToken and then STS AssumeRoleWithWebIdentity for that role.
(function () {
  var status = document.getElementById('status');
  function report(text) {
    status.textContent = text;
    console.log('SYNC_RESULT ' + text);
  }
  window.onerror = function (message) { report('error: ' + message); };
  var params = new URLSearchParams(window.location.search);
  var endpoint = params.get('endpoint');
  AWS.config.update({ region: params.get('region'), maxRetries: 0,
    cognitoidentity: { endpoint: endpoint }, cognitosync: { endpoint: endpoint },
    sts: { endpoint: endpoint } });
  var options = { IdentityPoolId: params.get('pool') };
  if (params.get('identity')) { options.IdentityId = params.get('identity'); }
  if (params.get('role')) { options.RoleArn = params.get('role'); }
  AWS.config.credentials = new AWS.CognitoIdentityCredentials(options);
  AWS.config.credentials.get(function (err) {
    if (err) { return report('error: credentials: ' + err.code + ' ' + err.message); }
    var manager = new AWS.CognitoSyncManager();
    manager.openOrCreateDataset('browser', function (err, dataset) {
      if (err) { return report('error: open: ' + err.message); }
      dataset.put('greeting', params.get('value'), function (err) {
        if (err) { return report('error: put: ' + err.message); }
        dataset.synchronize({
          onSuccess: function () { report('ok'); },
          onFailure: function (err) {
            report('error: sync: ' + (err.code || '') + ' ' + err.message);
          },
          onConflict: function (ds, conflicts, cb) { report('error: conflict'); cb(false); },
          onDatasetDeleted: function (ds, name, cb) { cb(true); },
          onDatasetsMerged: function (ds, names, cb) { cb(false); }
        });
      });
    });
  });
})();
