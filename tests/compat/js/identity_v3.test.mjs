// Cognito Identity with the AWS SDK for JavaScript v3 (and a v2 smoke test): the public
// unsigned flow, developer-signed calls, minted identity credentials, and OpenID tokens
// verified with jose against the server's published key set.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DeleteIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import AWS from 'aws-sdk';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { CogsyncServer, DEVELOPER_CREDENTIALS, REGION } from './support/server.mjs';

const ISSUER = 'https://cognito-identity.amazonaws.com';
const server = new CogsyncServer();

before(async () => {
  await server.start();
});

after(async () => {
  await server.stop();
});

function developerClient() {
  return new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint,
    credentials: DEVELOPER_CREDENTIALS, maxAttempts: 1 });
}

// A client with no credentials at all: asking for them fails the call, so a success proves the
// SDK sent the public operations unsigned (D11).
function publicClient() {
  return new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, maxAttempts: 1,
    credentials: async () => { throw new Error('this client has no credentials'); } });
}

async function newPool(input = {}) {
  const dev = developerClient();
  const pool = await dev.send(new CreateIdentityPoolCommand({
    IdentityPoolName: `js-${Math.random().toString(36).slice(2, 10)}`,
    AllowUnauthenticatedIdentities: true, ...input }));
  await dev.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool.IdentityPoolId, Roles: {
    authenticated: 'arn:aws:iam::000000000000:role/JsAuth',
    unauthenticated: 'arn:aws:iam::000000000000:role/JsUnauth' } }));
  return pool;
}

async function deletePool(poolId) {
  await developerClient().send(new DeleteIdentityPoolCommand({ IdentityPoolId: poolId }));
}

describe('Cognito Identity with @aws-sdk/client-cognito-identity', () => {
  test('unsigned GetId and GetCredentialsForIdentity, then signed calls', async () => {
    const pool = await newPool();
    const poolId = pool.IdentityPoolId;
    try {
      const anonymous = publicClient();
      const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: poolId }));
      assert.match(IdentityId, /^us-east-1:[0-9a-f-]{36}$/);
      const minted = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
      assert.equal(minted.IdentityId, IdentityId);
      const { AccessKeyId, SecretKey, SessionToken, Expiration } = minted.Credentials;
      assert.match(AccessKeyId, /^ASIA/); // D8
      assert.ok(SecretKey && SessionToken);
      assert.ok(Expiration instanceof Date); // D6
      const lifetime = Expiration.getTime() - Date.now();
      assert.ok(lifetime > 58 * 60_000 && lifetime <= 61 * 60_000, `lifetime ${lifetime} ms`);

      // A developer-signed call.
      const described = await developerClient().send(
        new DescribeIdentityPoolCommand({ IdentityPoolId: poolId }));
      assert.equal(described.IdentityPoolName, pool.IdentityPoolName);
      assert.equal(described.AllowClassicFlow, false);
      assert.deepEqual(described.SupportedLoginProviders, {}); // D4
      assert.deepEqual(described.OpenIdConnectProviderARNs, []);

      // The same call signed with the identity's credentials: the signature is accepted and
      // authorization refuses it (D9), naming the role the credentials carry.
      const asIdentity = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint,
        maxAttempts: 1, credentials: { accessKeyId: AccessKeyId, secretAccessKey: SecretKey,
          sessionToken: SessionToken } });
      await assert.rejects(
        asIdentity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: poolId })),
        (error) => {
          assert.equal(error.name, 'NotAuthorizedException');
          assert.equal(error.$metadata.httpStatusCode, 400); // D1
          assert.match(error.message,
            /^User: arn:aws:sts::000000000000:assumed-role\/JsUnauth\/CognitoIdentityCredentials is not authorized to perform: cognito-identity:DescribeIdentityPool/);
          return true;
        });

      // A wrong secret is a signature failure instead (D10).
      const forged = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint,
        maxAttempts: 1, credentials: { accessKeyId: AccessKeyId,
          secretAccessKey: `x${SecretKey.slice(1)}`, sessionToken: SessionToken } });
      await assert.rejects(
        forged.send(new DescribeIdentityPoolCommand({ IdentityPoolId: poolId })),
        (error) => error.name === 'InvalidSignatureException' && error.$metadata.httpStatusCode === 403);
    } finally {
      await deletePool(poolId);
    }
  });

  test('unknown pool is ResourceNotFoundException', async () => {
    const missing = 'us-east-1:00000000-0000-0000-0000-000000000000';
    await assert.rejects(publicClient().send(new GetIdCommand({ IdentityPoolId: missing })),
      (error) => {
        assert.equal(error.name, 'ResourceNotFoundException');
        assert.equal(error.message, `IdentityPool '${missing}' not found.`);
        return true;
      });
  });

  test('GetOpenIdToken verifies against the published JWKS', async () => { // D13
    const { IdentityPoolId } = await newPool();
    try {
      const anonymous = publicClient();
      const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId }));
      const { Token, IdentityId: tokenIdentity } = await anonymous.send(
        new GetOpenIdTokenCommand({ IdentityId }));
      assert.equal(tokenIdentity, IdentityId);
      const jwks = createRemoteJWKSet(new URL(`${server.endpoint}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(Token, jwks,
        { issuer: ISSUER, audience: IdentityPoolId });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(payload.sub, IdentityId);
      assert.ok(payload.amr.includes('unauthenticated'), JSON.stringify(payload.amr));
      assert.equal(payload.exp - payload.iat, 600);
      // Another audience is refused: the check is real.
      await assert.rejects(jwtVerify(Token, jwks, { issuer: ISSUER, audience: 'us-east-1:other' }));
      // A tampered token is refused.
      const [h, , s] = Token.split('.');
      const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'us-east-1:someone-else' }))
        .toString('base64url');
      await assert.rejects(jwtVerify(`${h}.${forged}.${s}`, jwks, { issuer: ISSUER }));
    } finally {
      await deletePool(IdentityPoolId);
    }
  });

  test('developer token carries TokenDuration and verifies', async () => { // D13
    const { IdentityPoolId } = await newPool({ DeveloperProviderName: 'login.example' });
    try {
      const { IdentityId, Token } = await developerClient().send(
        new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId,
          Logins: { 'login.example': 'js-user' }, TokenDuration: 120 }));
      const jwks = createRemoteJWKSet(new URL(`${server.endpoint}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(Token, jwks, { issuer: ISSUER, audience: IdentityPoolId });
      assert.equal(payload.sub, IdentityId);
      assert.deepEqual(payload.amr, ['authenticated', 'login.example']);
      assert.equal(payload.exp - payload.iat, 120);
    } finally {
      await deletePool(IdentityPoolId);
    }
  });

  test('/.well-known/openid-configuration is served', async () => {
    const response = await fetch(`${server.endpoint}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    const discovery = await response.json();
    assert.equal(discovery.issuer, ISSUER);
    assert.match(discovery.jwks_uri, /\/\.well-known\/jwks\.json$/);
    assert.ok(discovery.id_token_signing_alg_values_supported.includes('RS256'));
  });
});

describe('Cognito Identity with aws-sdk v2', () => {
  test('GetId and GetCredentialsForIdentity without credentials', async () => {
    const { IdentityPoolId } = await newPool();
    try {
      const v2 = new AWS.CognitoIdentity({ region: REGION, endpoint: server.endpoint,
        maxRetries: 0, credentials: null });
      const { IdentityId } = await v2.getId({ IdentityPoolId }).promise();
      assert.match(IdentityId, /^us-east-1:/);
      const { Credentials } = await v2.getCredentialsForIdentity({ IdentityId }).promise();
      assert.match(Credentials.AccessKeyId, /^ASIA/);
      assert.ok(Credentials.Expiration instanceof Date);
    } finally {
      await deletePool(IdentityPoolId);
    }
  });
});
