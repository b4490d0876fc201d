"""Cognito Identity through boto3: identities, logins, merges and developer identities.

The server runs with --insecure-trust-login-tokens (D12), so a login token of a public
provider is either a JWT whose claims are trusted or, for any other text, the user's id.
"""

import datetime
import unittest

from support.cogsync_server import CogsyncServer
from support.identity_case import IdentityTestCase, jwt_claims

SERVER = CogsyncServer(insecure_logins=True)
GOOGLE = "accounts.google.com"
FACEBOOK = "graph.facebook.com"
DEVELOPER = "login.example"
COGNITO = "cognito-identity.amazonaws.com"
PROVIDERS = {GOOGLE: "client-1", FACEBOOK: "4567"}


def setUpModule():
    SERVER.start()


def tearDownModule():
    SERVER.stop()


class IdentityLifecycleTest(IdentityTestCase):
    server = SERVER

    def ids_in(self, pool_id, hide_disabled=False):
        response = self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60,
                                                HideDisabled=hide_disabled)
        return {i["IdentityId"] for i in response["Identities"]}

    def test_get_id_without_logins_creates_a_new_unauthenticated_identity(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        first = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        second = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        self.assertNotEqual(first, second)
        self.assertTrue(first.startswith("us-east-1:"))
        described = self.cognito.describe_identity(IdentityId=first)
        self.assertEqual(described["IdentityId"], first)
        self.assertEqual(described["Logins"], [])  # D4
        self.assertIsInstance(described["CreationDate"], datetime.datetime)  # D6
        self.assertIsInstance(described["LastModifiedDate"], datetime.datetime)
        age = datetime.datetime.now(datetime.timezone.utc) - described["CreationDate"]
        self.assertLess(abs(age), datetime.timedelta(minutes=1))
        self.assertEqual(self.ids_in(pool_id), {first, second})

    def test_get_id_is_refused_when_unauthenticated_access_is_off(self):
        pool_id = self.new_pool(allow_unauth=False)["IdentityPoolId"]
        self.assertApiError("NotAuthorizedException", self.public.get_id, IdentityPoolId=pool_id,
                            message="Unauthenticated access is not supported for this identity pool.")
        self.assertEqual(self.ids_in(pool_id), set())

    def test_unknown_identity_is_not_found(self):
        missing = "us-east-1:00000000-0000-0000-0000-000000000000"
        for call in (self.cognito.describe_identity, self.public.get_open_id_token,
                     self.public.get_credentials_for_identity):
            with self.subTest(call=call.__name__):
                self.assertApiError("ResourceNotFoundException", call, IdentityId=missing)

    def test_same_login_gives_the_same_identity(self):  # D12
        pool_id = self.new_pool(allow_unauth=False, SupportedLoginProviders=PROVIDERS)[
            "IdentityPoolId"]
        first = self.public.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: "user-1"})["IdentityId"]
        again = self.public.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: "user-1"})["IdentityId"]
        other = self.public.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: "user-2"})["IdentityId"]
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)
        self.assertEqual(self.cognito.describe_identity(IdentityId=first)["Logins"], [GOOGLE])
        token = self.public.get_open_id_token(IdentityId=first, Logins={GOOGLE: "user-1"})
        self.assertEqual(jwt_claims(token["Token"])["amr"], ["authenticated", GOOGLE])  # D13

    def test_logins_of_unsupported_providers_are_refused(self):  # D12
        bare_pool = self.new_pool()["IdentityPoolId"]
        self.assertApiError(
            "NotAuthorizedException", self.public.get_id, IdentityPoolId=bare_pool,
            Logins={GOOGLE: "user-1"},
            message=f"Identity pool - {bare_pool} does not have identity providers configured.")
        pool_id = self.new_pool(SupportedLoginProviders={GOOGLE: "client-1"})["IdentityPoolId"]
        self.assertApiError("NotAuthorizedException", self.public.get_id, IdentityPoolId=pool_id,
                            Logins={"www.amazon.com": "user-1"},
                            message="Token is not from a supported provider of this identity pool.")

    def test_authenticated_identity_needs_its_login(self):
        pool_id = self.new_pool(SupportedLoginProviders=PROVIDERS)["IdentityPoolId"]
        self.set_roles(pool_id)
        identity_id = self.public.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: "u1"})["IdentityId"]
        logins_dont_match = ("Logins don't match. Please include at least one valid login for this "
                             "identity or identity pool.")
        self.assertApiError("NotAuthorizedException", self.public.get_credentials_for_identity,
                            IdentityId=identity_id, message=logins_dont_match)
        self.assertApiError("NotAuthorizedException", self.public.get_open_id_token,
                            IdentityId=identity_id, Logins={GOOGLE: "someone-else"},
                            message=logins_dont_match)
        credentials = self.public.get_credentials_for_identity(
            IdentityId=identity_id, Logins={GOOGLE: "u1"})["Credentials"]
        self.assertIn("assumed-role/AuthRole/", self.assumed_role_denial(credentials, pool_id))

    def test_get_open_id_token_upgrades_an_unauthenticated_identity(self):
        pool_id = self.new_pool(SupportedLoginProviders=PROVIDERS)["IdentityPoolId"]
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        response = self.public.get_open_id_token(IdentityId=identity_id, Logins={GOOGLE: "u-up"})
        self.assertEqual(response["IdentityId"], identity_id)
        self.assertEqual(self.cognito.describe_identity(IdentityId=identity_id)["Logins"], [GOOGLE])
        found = self.public.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: "u-up"})["IdentityId"]
        self.assertEqual(found, identity_id)

    def test_a_login_owned_by_another_identity_merges_and_the_owner_survives(self):  # D23
        pool_id = self.new_pool(SupportedLoginProviders=PROVIDERS)["IdentityPoolId"]
        self.set_roles(pool_id)
        owner = self.public.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: "u-own"})["IdentityId"]
        newcomer = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        response = self.public.get_open_id_token(IdentityId=newcomer, Logins={GOOGLE: "u-own"})
        self.assertEqual(response["IdentityId"], owner)
        self.assertEqual(jwt_claims(response["Token"])["sub"], owner)
        # The merged identity is disabled: listed unless HideDisabled, and no longer usable.
        self.assertEqual(self.ids_in(pool_id), {owner, newcomer})
        self.assertEqual(self.ids_in(pool_id, hide_disabled=True), {owner})
        self.assertApiError("NotAuthorizedException", self.public.get_credentials_for_identity,
                            IdentityId=newcomer,
                            message=f"Access to Identity '{newcomer}' is forbidden.")

    def test_second_login_of_one_provider_is_a_conflict(self):
        pool_id = self.new_pool(SupportedLoginProviders=PROVIDERS)["IdentityPoolId"]
        identity_id = self.public.get_id(IdentityPoolId=pool_id,
                                         Logins={GOOGLE: "g1", FACEBOOK: "f1"})["IdentityId"]
        self.assertEqual(self.cognito.describe_identity(IdentityId=identity_id)["Logins"],
                         sorted([GOOGLE, FACEBOOK]))
        self.assertApiError("ResourceConflictException", self.public.get_open_id_token,
                            IdentityId=identity_id, Logins={FACEBOOK: "f1", GOOGLE: "g2"})
        self.assertEqual(self.public.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: "g1"})
                         ["IdentityId"], identity_id)

    def test_unlink_identity_removes_a_provider(self):
        pool_id = self.new_pool(SupportedLoginProviders=PROVIDERS)["IdentityPoolId"]
        identity_id = self.public.get_id(IdentityPoolId=pool_id,
                                         Logins={GOOGLE: "g1", FACEBOOK: "f1"})["IdentityId"]
        self.assertApiError("NotAuthorizedException", self.public.unlink_identity,
                            IdentityId=identity_id, Logins={GOOGLE: "intruder"},
                            LoginsToRemove=[FACEBOOK])
        response = self.public.unlink_identity(IdentityId=identity_id, Logins={GOOGLE: "g1"},
                                               LoginsToRemove=[FACEBOOK])
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.cognito.describe_identity(IdentityId=identity_id)["Logins"], [GOOGLE])
        # The removed login is free again: it now gets an identity of its own.
        other = self.public.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "f1"})["IdentityId"]
        self.assertNotEqual(other, identity_id)

    def test_delete_identities(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        doomed = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        kept = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        response = self.cognito.delete_identities(
            IdentityIdsToDelete=[doomed, "us-east-1:00000000-0000-0000-0000-000000000000"])
        self.assertEqual(response["UnprocessedIdentityIds"], [])
        self.assertApiError("ResourceNotFoundException", self.cognito.describe_identity,
                            IdentityId=doomed)
        self.assertEqual(self.ids_in(pool_id), {kept})

    def test_list_identities_pages(self):  # D20
        pool_id = self.new_pool()["IdentityPoolId"]
        created = {self.public.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(5)}
        seen, token, pages = [], None, 0
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=2, **kwargs)
            self.assertEqual(page["IdentityPoolId"], pool_id)
            self.assertLessEqual(len(page["Identities"]), 2)
            seen += [i["IdentityId"] for i in page["Identities"]]
            pages += 1
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), sorted(created))
        first = self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=2)["NextToken"]
        self.assertApiError("InvalidParameterException", self.cognito.list_identities,
                            IdentityPoolId=pool_id, MaxResults=2, NextToken="forged" + first[6:])
        # A token of one pool is not valid for another.
        other_pool = self.new_pool()["IdentityPoolId"]
        self.assertApiError("InvalidParameterException", self.cognito.list_identities,
                            IdentityPoolId=other_pool, MaxResults=2, NextToken=first)


class DeveloperIdentityTest(IdentityTestCase):
    server = SERVER

    def dev_pool(self, **kwargs):
        pool_id = self.new_pool(DeveloperProviderName=DEVELOPER, **kwargs)["IdentityPoolId"]
        self.set_roles(pool_id)
        return pool_id

    def dev_token(self, pool_id, user, **kwargs):
        return self.cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={DEVELOPER: user}, **kwargs)

    def test_new_and_existing_developer_users(self):  # D13
        pool_id = self.dev_pool()
        first = self.dev_token(pool_id, "alice")
        again = self.dev_token(pool_id, "alice", TokenDuration=60)
        self.assertEqual(first["IdentityId"], again["IdentityId"])
        self.assertNotEqual(self.dev_token(pool_id, "bob")["IdentityId"], first["IdentityId"])
        claims = jwt_claims(first["Token"])
        self.assertEqual((claims["aud"], claims["sub"]), (pool_id, first["IdentityId"]))
        self.assertEqual(claims["amr"], ["authenticated", DEVELOPER])
        self.assertEqual(claims["exp"] - claims["iat"], 15 * 60)  # default TokenDuration
        short = jwt_claims(again["Token"])
        self.assertEqual(short["exp"] - short["iat"], 60)
        self.assertEqual(self.cognito.describe_identity(IdentityId=first["IdentityId"])["Logins"],
                         [DEVELOPER])
        # The developer token proves the identity to the public operations.
        credentials = self.public.get_credentials_for_identity(
            IdentityId=first["IdentityId"], Logins={COGNITO: first["Token"]})["Credentials"]
        self.assertIn("assumed-role/AuthRole/", self.assumed_role_denial(credentials, pool_id))

    def test_identity_id_given_links_the_user_to_it(self):
        pool_id = self.dev_pool()
        unauth = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        linked = self.dev_token(pool_id, "carol", IdentityId=unauth)
        self.assertEqual(linked["IdentityId"], unauth)
        self.assertEqual(self.cognito.describe_identity(IdentityId=unauth)["Logins"], [DEVELOPER])
        other = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        self.assertApiError("DeveloperUserAlreadyRegisteredException",
                            self.cognito.get_open_id_token_for_developer_identity,
                            IdentityPoolId=pool_id, IdentityId=other, Logins={DEVELOPER: "carol"})
        self.assertEqual(self.cognito.describe_identity(IdentityId=other)["Logins"], [])

    def test_pool_without_developer_provider_is_refused(self):
        pool_id = self.new_pool()["IdentityPoolId"]
        self.assertApiError("NotAuthorizedException",
                            self.cognito.get_open_id_token_for_developer_identity,
                            IdentityPoolId=pool_id, Logins={DEVELOPER: "alice"})
        self.assertApiError("InvalidParameterException",
                            self.cognito.get_open_id_token_for_developer_identity,
                            IdentityPoolId=self.dev_pool(), Logins={"other.example": "alice"})

    def test_lookup_developer_identity(self):
        pool_id = self.dev_pool()
        identity_id = self.dev_token(pool_id, "u0")["IdentityId"]
        for i in range(1, 5):
            self.dev_token(pool_id, f"u{i}", IdentityId=identity_id)
        by_user = self.cognito.lookup_developer_identity(IdentityPoolId=pool_id,
                                                         DeveloperUserIdentifier="u3")
        self.assertEqual(by_user["IdentityId"], identity_id)
        self.assertEqual(sorted(by_user["DeveloperUserIdentifierList"]), [f"u{i}" for i in range(5)])
        seen, token, pages = [], None, 0
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = self.cognito.lookup_developer_identity(IdentityPoolId=pool_id,
                                                          IdentityId=identity_id, MaxResults=2,
                                                          **kwargs)
            self.assertEqual(page["IdentityId"], identity_id)
            seen += page["DeveloperUserIdentifierList"]
            pages += 1
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), [f"u{i}" for i in range(5)])
        self.assertApiError("InvalidParameterException", self.cognito.lookup_developer_identity,
                            IdentityPoolId=pool_id, IdentityId=identity_id, MaxResults=2,
                            NextToken="forged-token")
        other = self.dev_token(pool_id, "stranger")["IdentityId"]
        self.assertApiError("ResourceConflictException", self.cognito.lookup_developer_identity,
                            IdentityPoolId=pool_id, IdentityId=other, DeveloperUserIdentifier="u1")
        self.assertApiError("ResourceNotFoundException", self.cognito.lookup_developer_identity,
                            IdentityPoolId=pool_id, DeveloperUserIdentifier="nobody")
        self.assertApiError("InvalidParameterException", self.cognito.lookup_developer_identity,
                            IdentityPoolId=pool_id)

    def test_merge_developer_identities(self):  # D23
        pool_id = self.dev_pool()
        source = self.dev_token(pool_id, "src")["IdentityId"]
        destination = self.dev_token(pool_id, "dst")["IdentityId"]
        merged = self.cognito.merge_developer_identities(
            SourceUserIdentifier="src", DestinationUserIdentifier="dst",
            DeveloperProviderName=DEVELOPER, IdentityPoolId=pool_id)
        self.assertEqual(merged["IdentityId"], destination)
        looked_up = self.cognito.lookup_developer_identity(IdentityPoolId=pool_id,
                                                           DeveloperUserIdentifier="src")
        self.assertEqual(looked_up["IdentityId"], destination)
        self.assertEqual(sorted(looked_up["DeveloperUserIdentifierList"]), ["dst", "src"])
        self.assertEqual(self.dev_token(pool_id, "src")["IdentityId"], destination)
        listed = self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60)
        self.assertEqual({i["IdentityId"] for i in listed["Identities"]}, {source, destination})
        hidden = self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60,
                                              HideDisabled=True)
        self.assertEqual([i["IdentityId"] for i in hidden["Identities"]], [destination])
        self.assertApiError("ResourceNotFoundException", self.cognito.merge_developer_identities,
                            SourceUserIdentifier="nobody", DestinationUserIdentifier="dst",
                            DeveloperProviderName=DEVELOPER, IdentityPoolId=pool_id)
        self.assertApiError("NotAuthorizedException", self.cognito.merge_developer_identities,
                            SourceUserIdentifier="src", DestinationUserIdentifier="dst",
                            DeveloperProviderName="other.example", IdentityPoolId=pool_id)

    def test_unlink_developer_identity(self):
        pool_id = self.dev_pool()
        identity_id = self.dev_token(pool_id, "dave")["IdentityId"]
        other = self.dev_token(pool_id, "erin")["IdentityId"]
        self.assertApiError("ResourceConflictException", self.cognito.unlink_developer_identity,
                            IdentityId=other, IdentityPoolId=pool_id,
                            DeveloperProviderName=DEVELOPER, DeveloperUserIdentifier="dave")
        response = self.cognito.unlink_developer_identity(
            IdentityId=identity_id, IdentityPoolId=pool_id, DeveloperProviderName=DEVELOPER,
            DeveloperUserIdentifier="dave")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.cognito.describe_identity(IdentityId=identity_id)["Logins"], [])
        self.assertApiError("ResourceNotFoundException", self.cognito.lookup_developer_identity,
                            IdentityPoolId=pool_id, DeveloperUserIdentifier="dave")
        # The user id is new again: it gets a new identity.
        self.assertNotEqual(self.dev_token(pool_id, "dave")["IdentityId"], identity_id)


if __name__ == "__main__":
    unittest.main()
