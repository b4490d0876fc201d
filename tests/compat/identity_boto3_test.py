"""Cognito Identity through boto3: every one of the 23 operations against a real cogsync.

Identity lifecycle, logins and developer identities are in identity_boto3_identities_test.py;
this module covers pools, tags, roles, principal tags, credentials, errors and the test-mode
endpoints. Each test creates its own pools, so the order of tests does not matter.
"""

import datetime
import json
import os
import re
import stat
import unittest

from support.cogsync_server import CogsyncServer, pool_arn
from support.identity_case import (POOL_ID_PATTERN, IdentityTestCase, fake_jwt, jwt_claims,
                                   role_arn, unique_name)
from support.raw_requests import call_identity

SERVER = CogsyncServer(insecure_logins=True)


def setUpModule():
    SERVER.start()


def tearDownModule():
    SERVER.stop()


class IdentityPoolTest(IdentityTestCase):
    server = SERVER

    def test_create_fills_defaults_and_describe_returns_the_same(self):
        pool = self.new_pool(allow_unauth=False)
        self.assertRegex(pool["IdentityPoolId"], POOL_ID_PATTERN)
        # D4: empty lists and maps are present; AllowClassicFlow defaults to false.
        self.assertIs(pool["AllowClassicFlow"], False)
        self.assertIs(pool["AllowUnauthenticatedIdentities"], False)
        self.assertEqual(pool["SupportedLoginProviders"], {})
        self.assertEqual(pool["OpenIdConnectProviderARNs"], [])
        self.assertEqual(pool["CognitoIdentityProviders"], [])
        self.assertEqual(pool["SamlProviderARNs"], [])
        self.assertEqual(pool["IdentityPoolTags"], {})
        self.assertNotIn("DeveloperProviderName", pool)
        described = self.cognito.describe_identity_pool(IdentityPoolId=pool["IdentityPoolId"])
        del pool["ResponseMetadata"], described["ResponseMetadata"]
        self.assertEqual(described, pool)

    def test_create_with_every_member_round_trips(self):
        pool = self.new_pool(
            AllowClassicFlow=True,
            SupportedLoginProviders={"accounts.google.com": "client-1.apps"},
            DeveloperProviderName="login.example",
            OpenIdConnectProviderARNs=["arn:aws:iam::000000000000:oidc-provider/issuer.example"],
            CognitoIdentityProviders=[{
                "ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
                "ClientId": "clientabc"}],
            SamlProviderARNs=["arn:aws:iam::000000000000:saml-provider/corp"],
            IdentityPoolTags={"team": "sync", "env": "test"})
        described = self.cognito.describe_identity_pool(IdentityPoolId=pool["IdentityPoolId"])
        self.assertIs(described["AllowClassicFlow"], True)
        self.assertEqual(described["SupportedLoginProviders"], {"accounts.google.com": "client-1.apps"})
        self.assertEqual(described["DeveloperProviderName"], "login.example")
        self.assertEqual(described["OpenIdConnectProviderARNs"],
                         ["arn:aws:iam::000000000000:oidc-provider/issuer.example"])
        # ServerSideTokenCheck defaults to false.
        self.assertEqual(described["CognitoIdentityProviders"], [{
            "ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
            "ClientId": "clientabc", "ServerSideTokenCheck": False}])
        self.assertEqual(described["SamlProviderARNs"], ["arn:aws:iam::000000000000:saml-provider/corp"])
        self.assertEqual(described["IdentityPoolTags"], {"team": "sync", "env": "test"})

    def test_update_replaces_the_pool_and_keeps_the_developer_provider(self):
        pool = self.new_pool(SupportedLoginProviders={"graph.facebook.com": "1234"},
                             DeveloperProviderName="login.example", AllowClassicFlow=True)
        pool_id = pool["IdentityPoolId"]
        # Read first, so the server holds the pool in memory (docs/architecture.md, Store): the
        # reads after the update must see the update, not that copy.
        self.assertIs(self.cognito.describe_identity_pool(IdentityPoolId=pool_id)
                      ["AllowClassicFlow"], True)
        self.assertIn(pool_id, self.pool_names())
        updated = self.cognito.update_identity_pool(
            IdentityPoolId=pool_id, IdentityPoolName="renamed", AllowUnauthenticatedIdentities=False)
        # Replace semantics: omitted optional members go back to their defaults.
        self.assertEqual(updated["IdentityPoolName"], "renamed")
        self.assertIs(updated["AllowUnauthenticatedIdentities"], False)
        self.assertIs(updated["AllowClassicFlow"], False)
        self.assertEqual(updated["SupportedLoginProviders"], {})
        # ... except DeveloperProviderName, which cannot change once set.
        self.assertEqual(updated["DeveloperProviderName"], "login.example")
        described = self.cognito.describe_identity_pool(IdentityPoolId=pool_id)
        self.assertEqual(described["IdentityPoolName"], "renamed")
        self.assertEqual(described["SupportedLoginProviders"], {})
        self.assertEqual(self.pool_names()[pool_id], "renamed")
        self.assertApiError("InvalidParameterException", self.cognito.update_identity_pool,
                            IdentityPoolId=pool_id, IdentityPoolName="renamed",
                            AllowUnauthenticatedIdentities=False, DeveloperProviderName="other.example")
        self.assertEqual(self.cognito.describe_identity_pool(IdentityPoolId=pool_id)
                         ["DeveloperProviderName"], "login.example")

    def test_update_can_set_a_developer_provider_once(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        updated = self.cognito.update_identity_pool(
            IdentityPoolId=pool_id, IdentityPoolName="p", AllowUnauthenticatedIdentities=True,
            DeveloperProviderName="first.example")
        self.assertEqual(updated["DeveloperProviderName"], "first.example")

    def test_delete_then_describe_is_not_found(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        # Read first: the pool held in memory must go with the deletion.
        self.cognito.describe_identity_pool(IdentityPoolId=pool_id)
        self.assertIn(pool_id, self.pool_names())
        response = self.cognito.delete_identity_pool(IdentityPoolId=pool_id)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertApiError("ResourceNotFoundException", self.cognito.describe_identity_pool,
                            IdentityPoolId=pool_id, message=f"IdentityPool '{pool_id}' not found.")
        listed = self.cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
        self.assertNotIn(pool_id, [p["IdentityPoolId"] for p in listed])

    def test_unknown_pool_is_not_found_everywhere(self):
        missing = "us-east-1:00000000-0000-0000-0000-000000000000"
        message = f"IdentityPool '{missing}' not found."
        for call, kwargs in [
                (self.cognito.describe_identity_pool, {}),
                (self.cognito.delete_identity_pool, {}),
                (self.cognito.update_identity_pool,
                 {"IdentityPoolName": "x", "AllowUnauthenticatedIdentities": True}),
                (self.cognito.get_identity_pool_roles, {}),
                (self.cognito.list_identities, {"MaxResults": 5}),
                (self.public.get_id, {})]:
            with self.subTest(call=call.__name__):
                self.assertApiError("ResourceNotFoundException", call, IdentityPoolId=missing,
                                    message=message, **kwargs)

    def test_list_identity_pools_pages_with_the_paginator(self):
        mine = {self.new_pool()["IdentityPoolId"] for _ in range(7)}
        paginator = self.cognito.get_paginator("list_identity_pools")
        pages = list(paginator.paginate(MaxResults=3))
        seen = [p["IdentityPoolId"] for page in pages for p in page["IdentityPools"]]
        self.assertGreaterEqual(len(pages), 3)
        for page in pages[:-1]:
            self.assertEqual(len(page["IdentityPools"]), 3)
            self.assertIn("NextToken", page)
        self.assertNotIn("NextToken", pages[-1])
        self.assertEqual(len(seen), len(set(seen)), "a pool appeared on two pages")
        self.assertTrue(mine <= set(seen))

    def test_forged_or_tampered_next_token_is_invalid_parameter(self):  # D20
        for _ in range(3):
            self.new_pool()
        token = self.cognito.list_identity_pools(MaxResults=1)["NextToken"]
        tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        for bad in ("forged-token", tampered):
            with self.subTest(token=bad):
                self.assertApiError("InvalidParameterException", self.cognito.list_identity_pools,
                                    MaxResults=1, NextToken=bad)

    def test_constraint_violations_use_the_aws_validation_format(self):  # D3
        self.assertApiError(
            "ValidationException", self.cognito.create_identity_pool,
            IdentityPoolName="bad!name", AllowUnauthenticatedIdentities=True,
            message="1 validation error detected: Value 'bad!name' at 'identityPoolName' failed to "
                    "satisfy constraint: Member must satisfy regular expression pattern: "
                    "[\\w\\s+=,.@-]+")
        self.assertApiError(
            "ValidationException", self.cognito.list_identity_pools, MaxResults=61,
            message="1 validation error detected: Value '61' at 'maxResults' failed to satisfy "
                    "constraint: Member must have value less than or equal to 60")

    def test_malformed_json_is_a_serialization_exception(self):
        response = call_identity(SERVER, "ListIdentityPools", '{"MaxResults": 3')
        self.assertEqual(response.status, 400)  # D1
        self.assertEqual(response.json()["__type"], "SerializationException")


class PoolLimitTest(IdentityTestCase):
    """A server whose configuration allows three identity pools."""

    @classmethod
    def setUpClass(cls):
        cls.server = CogsyncServer(config={"limits": {"max_identity_pools": 3}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_the_fourth_pool_is_limit_exceeded(self):
        for _ in range(3):
            self.new_pool()
        self.assertApiError("LimitExceededException", self.cognito.create_identity_pool,
                            IdentityPoolName="fourth", AllowUnauthenticatedIdentities=True,
                            message_contains="(3)")
        self.assertEqual(len(self.cognito.list_identity_pools(MaxResults=60)["IdentityPools"]), 3)


class TagTest(IdentityTestCase):
    server = SERVER

    def test_tag_list_untag_round_trip(self):
        pool_id = self.new_pool(IdentityPoolTags={"a": "1"})["IdentityPoolId"]
        arn = pool_arn(pool_id)
        self.assertEqual(self.cognito.list_tags_for_resource(ResourceArn=arn)["Tags"], {"a": "1"})
        self.cognito.tag_resource(ResourceArn=arn, Tags={"b": "2", "a": "one", "empty": ""})
        self.assertEqual(self.cognito.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         {"a": "one", "b": "2", "empty": ""})
        self.cognito.untag_resource(ResourceArn=arn, TagKeys=["a", "not-there"])
        self.assertEqual(self.cognito.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         {"b": "2", "empty": ""})
        self.assertEqual(self.cognito.describe_identity_pool(IdentityPoolId=pool_id)
                         ["IdentityPoolTags"], {"b": "2", "empty": ""})

    def test_aws_prefix_is_reserved(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        self.assertApiError("InvalidParameterException", self.cognito.tag_resource,
                            ResourceArn=pool_arn(pool_id), Tags={"aws:owner": "me"})
        self.assertApiError("InvalidParameterException", self.cognito.create_identity_pool,
                            IdentityPoolName=unique_name(), AllowUnauthenticatedIdentities=True,
                            IdentityPoolTags={"aws:owner": "me"})
        self.assertEqual(self.cognito.list_tags_for_resource(ResourceArn=pool_arn(pool_id))
                         ["Tags"], {})

    def test_fifty_tags_at_most(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        arn = pool_arn(pool_id)
        self.cognito.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v" for i in range(50)})
        self.assertApiError("InvalidParameterException", self.cognito.tag_resource,
                            ResourceArn=arn, Tags={"k50": "v"})
        # Replacing an existing key does not add a tag.
        self.cognito.tag_resource(ResourceArn=arn, Tags={"k0": "w"})
        tags = self.cognito.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(len(tags), 50)
        self.assertEqual(tags["k0"], "w")

    def test_unknown_pool_arn_is_not_found(self):
        arn = pool_arn("us-east-1:00000000-0000-0000-0000-000000000000")
        self.assertApiError("ResourceNotFoundException", self.cognito.list_tags_for_resource,
                            ResourceArn=arn)
        self.assertApiError("ResourceNotFoundException", self.cognito.tag_resource,
                            ResourceArn=arn, Tags={"a": "b"})
        self.assertApiError("ResourceNotFoundException", self.cognito.untag_resource,
                            ResourceArn=arn, TagKeys=["a"])


class RoleTest(IdentityTestCase):
    server = SERVER

    def test_new_pool_has_no_roles(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        roles = self.cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
        self.assertEqual(roles["IdentityPoolId"], pool_id)
        self.assertEqual(roles["Roles"], {})  # D4
        self.assertEqual(roles["RoleMappings"], {})

    def test_set_and_get_roles_with_mappings(self):
        pool_id = self.new_pool(SupportedLoginProviders={"accounts.google.com": "client"})[
            "IdentityPoolId"]
        mappings = {"accounts.google.com": {
            "Type": "Rules", "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [{
                "Claim": "group", "MatchType": "Equals", "Value": "admins",
                "RoleARN": role_arn("Admin")}]}}}
        roles = {"authenticated": role_arn("Auth"), "unauthenticated": role_arn("Unauth")}
        response = self.cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles,
                                                        RoleMappings=mappings)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        got = self.cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
        self.assertEqual(got["Roles"], roles)
        self.assertEqual(got["RoleMappings"], mappings)
        # Setting again without RoleMappings removes them.
        self.cognito.set_identity_pool_roles(IdentityPoolId=pool_id,
                                             Roles={"authenticated": role_arn("Auth")})
        got = self.cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
        self.assertEqual(got["Roles"], {"authenticated": role_arn("Auth")})
        self.assertEqual(got["RoleMappings"], {})

    def test_rules_mapping_without_rules_is_invalid(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        self.assertApiError("InvalidParameterException", self.cognito.set_identity_pool_roles,
                            IdentityPoolId=pool_id, Roles={"authenticated": role_arn("Auth")},
                            RoleMappings={"accounts.google.com": {
                                "Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole"}})

    def test_rules_choose_the_role_of_the_minted_credentials(self):  # D8, D12
        pool_id = self.new_pool(SupportedLoginProviders={"accounts.google.com": "client"})[
            "IdentityPoolId"]
        self.cognito.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles={"authenticated": role_arn("DefaultAuth"), "unauthenticated": role_arn("Unauth")},
            RoleMappings={"accounts.google.com": {
                "Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
                "RulesConfiguration": {"Rules": [
                    {"Claim": "group", "MatchType": "Equals", "Value": "admins",
                     "RoleARN": role_arn("AdminRole")},
                    {"Claim": "email", "MatchType": "StartsWith", "Value": "ops",
                     "RoleARN": role_arn("OpsRole")}]}}})

        def role_for(claims):
            logins = {"accounts.google.com": fake_jwt(claims)}
            identity_id = self.public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
            credentials = self.public.get_credentials_for_identity(
                IdentityId=identity_id, Logins=logins)["Credentials"]
            message = self.assumed_role_denial(credentials, pool_id)
            return re.search(r"assumed-role/([^/]+)/CognitoIdentityCredentials", message).group(1)

        self.assertEqual(role_for({"sub": "u-admin", "group": "admins"}), "AdminRole")
        self.assertEqual(role_for({"sub": "u-ops", "group": "x", "email": "ops@example.com"}),
                         "OpsRole")
        self.assertEqual(role_for({"sub": "u-plain", "group": "users"}), "DefaultAuth")

    def test_deny_when_no_rule_matches(self):
        pool_id = self.new_pool(SupportedLoginProviders={"accounts.google.com": "client"})[
            "IdentityPoolId"]
        self.cognito.set_identity_pool_roles(
            IdentityPoolId=pool_id, Roles={"authenticated": role_arn("DefaultAuth")},
            RoleMappings={"accounts.google.com": {
                "Type": "Rules", "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": [{"Claim": "group", "MatchType": "Equals",
                                                  "Value": "admins", "RoleARN": role_arn("A")}]}}})
        logins = {"accounts.google.com": fake_jwt({"sub": "u1", "group": "users"})}
        identity_id = self.public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
        self.assertApiError("NotAuthorizedException", self.public.get_credentials_for_identity,
                            IdentityId=identity_id, Logins=logins)

    def test_no_role_is_invalid_identity_pool_configuration(self):  # D8
        pool_id = self.new_pool()["IdentityPoolId"]
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        self.assertApiError(
            "InvalidIdentityPoolConfigurationException", self.public.get_credentials_for_identity,
            IdentityId=identity_id,
            message="Invalid identity pool configuration. Check assigned IAM roles for this pool.")

    def test_principal_tag_attribute_map(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        provider = "accounts.google.com"
        default = self.cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id,
                                                               IdentityProviderName=provider)
        self.assertEqual((default["IdentityPoolId"], default["IdentityProviderName"]),
                         (pool_id, provider))
        self.assertIs(default["UseDefaults"], False)
        self.assertEqual(default["PrincipalTags"], {})
        set_response = self.cognito.set_principal_tag_attribute_map(
            IdentityPoolId=pool_id, IdentityProviderName=provider, UseDefaults=True,
            PrincipalTags={"department": "dept_claim"})
        self.assertIs(set_response["UseDefaults"], True)
        got = self.cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id,
                                                           IdentityProviderName=provider)
        self.assertIs(got["UseDefaults"], True)
        self.assertEqual(got["PrincipalTags"], {"department": "dept_claim"})
        self.assertApiError("ResourceNotFoundException",
                            self.cognito.get_principal_tag_attribute_map,
                            IdentityPoolId="us-east-1:00000000-0000-0000-0000-000000000000",
                            IdentityProviderName=provider)


class CredentialTest(IdentityTestCase):
    server = SERVER

    def test_minted_credentials_are_accepted_by_the_verifier(self):  # D8, D9
        pool_id = self.new_pool()["IdentityPoolId"]
        self.set_roles(pool_id)
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        before = datetime.datetime.now(datetime.timezone.utc)
        response = self.public.get_credentials_for_identity(IdentityId=identity_id)
        self.assertEqual(response["IdentityId"], identity_id)
        credentials = response["Credentials"]
        self.assertTrue(credentials["AccessKeyId"].startswith("ASIA"))
        self.assertTrue(credentials["SecretKey"])
        self.assertTrue(credentials["SessionToken"])
        self.assertIsInstance(credentials["Expiration"], datetime.datetime)  # D6
        lifetime = credentials["Expiration"] - before
        self.assertTrue(datetime.timedelta(minutes=59) < lifetime <= datetime.timedelta(minutes=61))
        # A developer-only operation refused by authorization, not by the signature check.
        message = self.assumed_role_denial(credentials, pool_id)
        self.assertEqual(
            message,
            "User: arn:aws:sts::000000000000:assumed-role/UnauthRole/CognitoIdentityCredentials is "
            "not authorized to perform: cognito-identity:DescribeIdentityPool on resource: "
            f"{pool_arn(pool_id)}")

    def test_identity_credentials_cannot_call_developer_operations(self):  # D9
        pool_id = self.new_pool(DeveloperProviderName="login.example")["IdentityPoolId"]
        self.set_roles(pool_id)
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        credentials = self.public.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
        as_identity = self.server.identity_client(credentials)
        for call, kwargs in [
                (as_identity.describe_identity, {"IdentityId": identity_id}),
                (as_identity.list_identities, {"IdentityPoolId": pool_id, "MaxResults": 5}),
                (as_identity.list_identity_pools, {"MaxResults": 5}),
                (as_identity.get_open_id_token_for_developer_identity,
                 {"IdentityPoolId": pool_id, "Logins": {"login.example": "user"}}),
                (as_identity.delete_identity_pool, {"IdentityPoolId": pool_id})]:
            with self.subTest(call=call.__name__):
                self.assertApiError("NotAuthorizedException", call, **kwargs,
                                    message_contains="is not authorized to perform")
        self.cognito.describe_identity_pool(IdentityPoolId=pool_id)  # still there

    def test_tampered_secret_is_invalid_signature(self):  # D10
        pool_id = self.new_pool()["IdentityPoolId"]
        self.set_roles(pool_id)
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        credentials = dict(self.public.get_credentials_for_identity(IdentityId=identity_id)
                           ["Credentials"])
        secret = credentials["SecretKey"]
        credentials["SecretKey"] = ("B" if secret[0] != "B" else "C") + secret[1:]
        self.assertApiError("InvalidSignatureException",
                            self.server.identity_client(credentials).describe_identity_pool,
                            IdentityPoolId=pool_id)

    def test_developer_key_errors(self):  # D10
        pool_id = self.new_pool()["IdentityPoolId"]
        unknown = self.server.client(access_key="AKIDUNKNOWN000000000", secret_key="x")
        self.assertApiError("UnrecognizedClientException", unknown.describe_identity_pool,
                            IdentityPoolId=pool_id)
        wrong_secret = self.server.client(secret_key="not-the-secret")
        self.assertApiError("InvalidSignatureException", wrong_secret.describe_identity_pool,
                            IdentityPoolId=pool_id)
        self.assertApiError("MissingAuthenticationTokenException",
                            self.public.describe_identity_pool, IdentityPoolId=pool_id)

    def test_public_operations_ignore_a_signature(self):  # D11
        pool_id = self.new_pool()["IdentityPoolId"]
        identity_id = self.cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
        bad = self.server.client(access_key="AKIDUNKNOWN000000000", secret_key="x")
        token = bad.get_open_id_token(IdentityId=identity_id)
        self.assertEqual(token["IdentityId"], identity_id)

    def test_open_id_token_claims(self):  # D13
        pool_id = self.new_pool()["IdentityPoolId"]
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        response = self.public.get_open_id_token(IdentityId=identity_id)
        self.assertEqual(response["IdentityId"], identity_id)
        claims = jwt_claims(response["Token"])
        self.assertEqual(claims["iss"], "https://cognito-identity.amazonaws.com")
        self.assertEqual(claims["aud"], pool_id)
        self.assertEqual(claims["sub"], identity_id)
        self.assertEqual(claims["amr"], ["unauthenticated"])
        self.assertEqual(claims["exp"] - claims["iat"], 600)


class TestModeEndpointTest(IdentityTestCase):
    """/moto-api/reset and /moto-api/reset-auth on a server of their own (they wipe it)."""

    @classmethod
    def setUpClass(cls):
        cls.server = CogsyncServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_reset_wipes_every_pool(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        self.cognito.describe_identity_pool(IdentityPoolId=pool_id)  # held in memory now
        self.assertIn(pool_id, self.pool_names())
        self.assertEqual(self.server.reset(), {"status": "ok"})
        self.assertEqual(self.cognito.list_identity_pools(MaxResults=60)["IdentityPools"], [])
        self.assertApiError("ResourceNotFoundException", self.cognito.describe_identity_pool,
                            IdentityPoolId=pool_id)
        # The developer key survives a reset (it comes from the environment, D7).
        self.new_pool()

    def test_reset_auth_echoes_the_previous_count(self):
        status, _, body = self.server.http("POST", "/moto-api/reset-auth",
                                           body=json.dumps({"INITIAL_NO_AUTH_ACTION_COUNT": 4}))
        self.assertEqual(status, 200)
        first = json.loads(body)
        self.assertEqual(first["status"], "ok")
        self.assertIsInstance(first["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"], str)
        status, _, body = self.server.http("POST", "/moto-api/reset-auth",
                                           body=json.dumps({"INITIAL_NO_AUTH_ACTION_COUNT": 7}))
        self.assertEqual(json.loads(body), {"status": "ok", "PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "4"})


class WithoutTestModeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CogsyncServer(test_mode=False).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_reset_endpoints_are_not_found(self):
        pool_id = self.server.client().create_identity_pool(
            IdentityPoolName="kept", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        for path in ("/moto-api/reset", "/moto-api/reset-auth"):
            with self.subTest(path=path):
                status, _, _ = self.server.http("POST", path, body="{}")
                self.assertEqual(status, 404)
        self.assertEqual(self.server.client().describe_identity_pool(IdentityPoolId=pool_id)
                         ["IdentityPoolName"], "kept")


class GeneratedDeveloperKeyTest(unittest.TestCase):  # D7
    @classmethod
    def setUpClass(cls):
        cls.server = CogsyncServer(developer_key=False).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_first_start_generates_stores_and_prints_a_key_once(self):
        path = os.path.join(self.server.data_dir, "data", "developer-credentials")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, encoding="utf-8") as f:
            stored = dict(re.findall(r"^(aws_\w+) = (\S+)$", f.read(), re.MULTILINE))
        key_id, secret = stored["aws_access_key_id"], stored["aws_secret_access_key"]
        self.assertEqual(self.server.log().count(secret), 1)
        client = self.server.client(access_key=key_id, secret_key=secret)
        pool_id = client.create_identity_pool(IdentityPoolName="generated",
                                              AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        # The fixed test key was not registered on this server.
        self.assertRaisesRegex(Exception, "UnrecognizedClientException",
                               self.server.client().list_identity_pools, MaxResults=5)
        # A restart keeps the key and prints nothing new.
        self.server.restart()
        self.assertEqual(self.server.log().count(secret), 1)
        client = self.server.client(access_key=key_id, secret_key=secret)
        self.assertEqual(client.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"],
                         "generated")


if __name__ == "__main__":
    unittest.main()
