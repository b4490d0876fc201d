"""STS through boto3 (D27, the classic flow): AssumeRoleWithWebIdentity with the server's own
OpenID tokens, the credentials it mints syncing a dataset like GetCredentialsForIdentity's (D8),
GetCallerIdentity for both kinds of credentials, the classic-flow refusals at GetOpenIdToken,
and every bad input of the issue through the client, each answered as STS answers."""

import datetime
import time
import unittest
import urllib.parse

from support.cogsync_server import ACCOUNT_ID, CogsyncServer
from support.identity_case import fake_jwt, jwt_claims, role_arn
from support.raw_requests import send
from support.sts_case import AUTH_ROLE, UNAUTH_ROLE, StsTestCase, sts_xml

SERVER = None


def setUpModule():
    global SERVER
    SERVER = CogsyncServer().start()


def tearDownModule():
    SERVER.stop()


def seconds_from_now(when):
    return (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


class AssumeRoleWithWebIdentityTest(StsTestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = SERVER

    def test_unauthenticated_identity_gets_the_unauthenticated_role(self):  # D27, D8
        pool_id = self.classic_pool()
        identity_id, token = self.unauth_token(pool_id)
        answer = self.assume(token, session="app-session")
        credentials = answer["Credentials"]
        self.assertRegex(credentials["AccessKeyId"], r"^ASIA[A-Z0-9]{16}$")
        self.assertTrue(credentials["SecretAccessKey"])
        self.assertTrue(credentials["SessionToken"])
        self.assertAlmostEqual(seconds_from_now(credentials["Expiration"]), 3600, delta=30)
        self.assertEqual(answer["SubjectFromWebIdentityToken"], identity_id)
        self.assertEqual(answer["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ClassicUnauth/app-session")
        self.assertRegex(answer["AssumedRoleUser"]["AssumedRoleId"],
                         r"^AROA[A-Z2-7]{17}:app-session$")
        self.assertEqual(answer["Provider"], "cognito-identity.amazonaws.com")
        self.assertEqual(answer["Audience"], pool_id)
        self.assertTrue(answer["ResponseMetadata"]["RequestId"])
        # The role id is the role's: the same for every session of the role.
        again = self.assume(self.unauth_token(pool_id)[1], session="other")
        self.assertEqual(again["AssumedRoleUser"]["AssumedRoleId"].split(":")[0],
                         answer["AssumedRoleUser"]["AssumedRoleId"].split(":")[0])

    def test_credentials_sync_the_identity_own_data_only(self):  # D27, D8, D9
        pool_id = self.classic_pool()
        identity_id, token = self.unauth_token(pool_id)
        other_id, _ = self.unauth_token(pool_id)
        credentials = self.assume(token)["Credentials"]
        sync = self.server.client("cognito-sync", access_key=credentials["AccessKeyId"],
                                  secret_key=credentials["SecretAccessKey"],
                                  session_token=credentials["SessionToken"])
        listed = sync.list_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                   DatasetName="settings")
        updated = sync.update_records(
            IdentityPoolId=pool_id, IdentityId=identity_id, DatasetName="settings",
            SyncSessionToken=listed["SyncSessionToken"],
            RecordPatches=[{"Op": "replace", "Key": "theme", "Value": "dark", "SyncCount": 0}])
        self.assertEqual(updated["Records"][0]["Value"], "dark")
        self.assertEqual(updated["Records"][0]["LastModifiedBy"], identity_id)  # D21
        records = sync.list_records(IdentityPoolId=pool_id, IdentityId=identity_id,
                                    DatasetName="settings")["Records"]
        self.assertEqual([(r["Key"], r["Value"]) for r in records], [("theme", "dark")])
        with self.assertRaises(sync.exceptions.NotAuthorizedException) as cm:
            sync.list_records(IdentityPoolId=pool_id, IdentityId=other_id, DatasetName="settings")
        self.assertIn(
            f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/ClassicUnauth/app-session is not "
            "authorized to perform: cognito-sync:ListRecords", str(cm.exception))

    def test_credentials_are_refused_once_the_identity_is_deleted(self):  # D27, D8
        pool_id = self.classic_pool()
        identity_id, token = self.unauth_token(pool_id)
        credentials = self.assume(token)["Credentials"]
        sync = self.server.client("cognito-sync", access_key=credentials["AccessKeyId"],
                                  secret_key=credentials["SecretAccessKey"],
                                  session_token=credentials["SessionToken"])
        sync.list_datasets(IdentityPoolId=pool_id, IdentityId=identity_id)
        self.cognito.delete_identities(IdentityIdsToDelete=[identity_id])
        with self.assertRaises(sync.exceptions.NotAuthorizedException):
            sync.list_datasets(IdentityPoolId=pool_id, IdentityId=identity_id)
        # ... and the token of the deleted identity gets nothing more (D27).
        self.assertStsError("InvalidIdentityToken", self.assume, token)

    def test_merged_away_identity_is_refused(self):  # D27, D23
        pool_id = self.classic_pool()
        loser_id, loser_token = self.developer_token(pool_id, user="loser")
        winner_id, _ = self.developer_token(pool_id, user="winner")
        credentials = self.assume(loser_token, role=AUTH_ROLE)["Credentials"]
        self.cognito.merge_developer_identities(
            SourceUserIdentifier="loser", DestinationUserIdentifier="winner",
            DeveloperProviderName="login.classic.dev", IdentityPoolId=pool_id)
        self.assertStsError(
            "InvalidIdentityToken", self.assume, loser_token, role=AUTH_ROLE,
            message="The identity of the web identity token was deleted, disabled or merged into "
                    "another identity.")
        sync = self.server.client("cognito-sync", access_key=credentials["AccessKeyId"],
                                  secret_key=credentials["SecretAccessKey"],
                                  session_token=credentials["SessionToken"])
        with self.assertRaises(sync.exceptions.NotAuthorizedException):
            sync.list_datasets(IdentityPoolId=pool_id, IdentityId=loser_id)
        self.assertNotEqual(loser_id, winner_id)

    def test_authenticated_token_gets_the_authenticated_role_only(self):  # D27
        pool_id = self.classic_pool()
        identity_id, token = self.developer_token(pool_id)
        answer = self.assume(token, role=AUTH_ROLE, session="dev-user")
        self.assertEqual(answer["SubjectFromWebIdentityToken"], identity_id)
        self.assertEqual(answer["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ClassicAuth/dev-user")
        self.assertStsError("AccessDenied", self.assume, token, role=UNAUTH_ROLE,
                            message="Not authorized to perform sts:AssumeRoleWithWebIdentity")
        _, unauth = self.unauth_token(pool_id)
        self.assertStsError("AccessDenied", self.assume, unauth, role=AUTH_ROLE,
                            message="Not authorized to perform sts:AssumeRoleWithWebIdentity")

    def test_role_the_pool_does_not_name_and_other_pool_tokens(self):  # D27
        pool_id = self.classic_pool()
        _, token = self.unauth_token(pool_id)
        self.assertStsError("AccessDenied", self.assume, token, role=role_arn("SomeOtherRole"))
        other_pool = self.new_pool()["IdentityPoolId"]
        self.cognito.set_identity_pool_roles(
            IdentityPoolId=other_pool, Roles={"unauthenticated": role_arn("OtherPoolUnauth")})
        _, other_token = self.unauth_token(other_pool)
        # A token of the other pool for this pool's role, and this pool's token for the other's.
        self.assertStsError("AccessDenied", self.assume, other_token, role=UNAUTH_ROLE)
        self.assertStsError("AccessDenied", self.assume, token, role=role_arn("OtherPoolUnauth"))
        # A pool with no role for the case refuses too.
        bare_pool = self.new_pool()["IdentityPoolId"]
        _, bare_token = self.unauth_token(bare_pool)
        self.assertStsError("AccessDenied", self.assume, bare_token, role=UNAUTH_ROLE)

    def test_duration_seconds(self):
        pool_id = self.classic_pool()
        _, token = self.unauth_token(pool_id)
        short = self.assume(token, DurationSeconds=900)["Credentials"]["Expiration"]
        self.assertAlmostEqual(seconds_from_now(short), 900, delta=30)
        long = self.assume(token, DurationSeconds=43200)["Credentials"]["Expiration"]
        self.assertAlmostEqual(seconds_from_now(long), 43200, delta=30)
        self.assertStsError(
            "ValidationError", self.assume, token, DurationSeconds=899,
            client=self.sts_unchecked,
            message="1 validation error detected: Value '899' at 'durationSeconds' failed to "
                    "satisfy constraint: Member must have value greater than or equal to 900")
        self.assertStsError(
            "ValidationError", self.assume, token, DurationSeconds=43201,
            client=self.sts_unchecked,
            message="1 validation error detected: Value '43201' at 'durationSeconds' failed to "
                    "satisfy constraint: Member must have value less than or equal to 43200")

    def test_parameter_validation_in_sts_wording(self):
        pool_id = self.classic_pool()
        _, token = self.unauth_token(pool_id)
        self.assertStsError(
            "ValidationError", self.assume, token, session="a", client=self.sts_unchecked,
            message="1 validation error detected: Value 'a' at 'roleSessionName' failed to "
                    "satisfy constraint: Member must have length greater than or equal to 2")
        self.assertStsError(
            "ValidationError", self.assume, token, session="has space!", client=self.sts_unchecked,
            message="1 validation error detected: Value 'has space!' at 'roleSessionName' failed "
                    "to satisfy constraint: Member must satisfy regular expression pattern: "
                    "[\\w+=,.@-]*")
        self.assertStsError(
            "ValidationError", self.assume, token, session="s" * 65, client=self.sts_unchecked,
            message_prefix="1 validation error detected: Value '" + "s" * 65 + "' at "
                           "'roleSessionName' failed to satisfy constraint: Member must have "
                           "length less than or equal to 64")
        self.assertStsError("ValidationError", self.assume, token, role="arn:aws:iam::short",
                            client=self.sts_unchecked,
                            message="1 validation error detected: Value 'arn:aws:iam::short' at "
                                    "'roleArn' failed to satisfy constraint: Member must have "
                                    "length greater than or equal to 20")
        self.assertStsError("ValidationError", self.assume, token,
                            role="arn:aws:s3:::not-a-role-at-all", message="Request ARN is invalid")
        # Two violations are reported together, in the model's order.
        self.assertStsError(
            "ValidationError", self.assume, "abc", session="x", client=self.sts_unchecked,
            message="2 validation errors detected: Value 'x' at 'roleSessionName' failed to "
                    "satisfy constraint: Member must have length greater than or equal to 2; "
                    "Value at 'webIdentityToken' failed to satisfy constraint: Member must have "
                    "length greater than or equal to 4")
        # A missing member (boto3 would refuse to send it).
        self.assertStsError(
            "ValidationError", self.sts_unchecked.assume_role_with_web_identity,
            RoleArn=UNAUTH_ROLE, WebIdentityToken=token,
            message="1 validation error detected: Value null at 'roleSessionName' failed to "
                    "satisfy constraint: Member must not be null")

    def test_huge_token(self):
        self.assertStsError(
            "ValidationError", self.assume, "x" * 20001, client=self.sts_unchecked,
            message="1 validation error detected: Value at 'webIdentityToken' failed to satisfy "
                    "constraint: Member must have length less than or equal to 20000")

    def test_expired_token(self):  # D27: only while the token is valid
        pool_id = self.classic_pool()
        _, token = self.developer_token(pool_id, TokenDuration=1)
        exp = jwt_claims(token)["exp"]
        time.sleep(max(0.0, exp - time.time()) + 1.1)
        error = self.assertStsError("ExpiredTokenException", self.assume, token, role=AUTH_ROLE,
                                    message_prefix="Token expired: current date/time ")
        self.assertTrue(error["Message"].endswith(
            f" must be before the expiration date/time {exp}"), error["Message"])

    def test_tampered_malformed_and_foreign_tokens(self):
        pool_id = self.classic_pool()
        identity_id, token = self.unauth_token(pool_id)
        other_id, _ = self.unauth_token(pool_id)
        header, payload, signature = token.split(".")
        claims = jwt_claims(token)
        claims["sub"] = other_id
        forged = fake_jwt(claims).split(".")[1]
        self.assertStsError("InvalidIdentityToken", self.assume, f"{header}.{forged}.{signature}",
                            message_prefix="The web identity token could not be verified")
        self.assertStsError("InvalidIdentityToken", self.assume, f"{header}.{payload}.AAAA",
                            message_prefix="The web identity token could not be verified")
        self.assertStsError("InvalidIdentityToken", self.assume, "not-a-jwt-at-all",
                            message="The ID Token provided is not a valid JWT. (You may see this "
                                    "error if you sent an Access Token)")
        foreign = fake_jwt({"iss": "https://accounts.google.com", "sub": identity_id,
                            "aud": pool_id, "exp": int(time.time()) + 600})
        self.assertStsError("InvalidIdentityToken", self.assume, foreign,
                            message="No OpenIDConnect provider found in your account for "
                                    "https://accounts.google.com")

    def test_deleted_pool(self):
        pool_id = self.classic_pool()
        _, token = self.unauth_token(pool_id)
        self.cognito.delete_identity_pool(IdentityPoolId=pool_id)
        self.assertStsError("InvalidIdentityToken", self.assume, token,
                            message="Incorrect token audience")

    def test_bad_requests_create_nothing(self):
        pool_id = self.classic_pool()
        identity_id, token = self.unauth_token(pool_id)
        before = self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]
        for call in (lambda: self.assume(token, role=AUTH_ROLE),
                     lambda: self.assume("x" * 20001, client=self.sts_unchecked),
                     lambda: self.assume(token, session="a", client=self.sts_unchecked)):
            with self.assertRaises(Exception):
                call()
        after = self.cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]
        self.assertEqual([i["IdentityId"] for i in before], [i["IdentityId"] for i in after])
        self.assertEqual([i["IdentityId"] for i in after], [identity_id])


class ClassicFlowSettingsTest(StsTestCase):
    """AllowClassicFlow and role mappings at GetOpenIdToken (D27, aws/aws-cli#7652)."""

    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = SERVER

    def test_allow_classic_flow_false_refuses_get_open_id_token(self):
        pool_id = self.classic_pool(AllowClassicFlow=False)
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        self.assertApiError("InvalidParameterException", self.public.get_open_id_token,
                            IdentityId=identity_id,
                            message="Basic (classic) flow is not enabled, please use enhanced "
                                    "flow.")
        # The enhanced flow keeps working, and so does the developer flow's token.
        self.public.get_credentials_for_identity(IdentityId=identity_id)
        dev_id, dev_token = self.developer_token(pool_id)
        self.assertEqual(self.assume(dev_token, role=AUTH_ROLE)["SubjectFromWebIdentityToken"],
                         dev_id)

    def test_pool_created_without_the_member_issues_tokens(self):
        pool = self.new_pool()
        self.assertIs(pool["AllowClassicFlow"], False)  # shown as false, as AWS shows it
        identity_id = self.public.get_id(IdentityPoolId=pool["IdentityPoolId"])["IdentityId"]
        self.assertTrue(self.public.get_open_id_token(IdentityId=identity_id)["Token"])
        described = self.cognito.describe_identity_pool(IdentityPoolId=pool["IdentityPoolId"])
        self.assertNotIn("cogsync:AllowClassicFlowGiven", described)

    def test_allow_classic_flow_true_and_update_back_to_false(self):
        pool_id = self.classic_pool(AllowClassicFlow=True)
        identity_id, token = self.unauth_token(pool_id)
        self.assertEqual(self.assume(token)["SubjectFromWebIdentityToken"], identity_id)
        pool = self.cognito.describe_identity_pool(IdentityPoolId=pool_id)
        pool.pop("ResponseMetadata")
        pool["AllowClassicFlow"] = False
        self.cognito.update_identity_pool(**pool)
        self.assertApiError("InvalidParameterException", self.public.get_open_id_token,
                            IdentityId=identity_id,
                            message="Basic (classic) flow is not enabled, please use enhanced "
                                    "flow.")

    def test_role_mappings_refuse_the_classic_flow(self):
        pool_id = self.classic_pool(AllowClassicFlow=True)
        self.cognito.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
            RoleMappings={"graph.facebook.com": {"Type": "Token",
                                                 "AmbiguousRoleResolution": "AuthenticatedRole"}})
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        self.assertApiError("InvalidParameterException", self.public.get_open_id_token,
                            IdentityId=identity_id,
                            message="Basic (classic) flow is not supported with RoleMappings, "
                                    "please use enhanced flow.")
        # GetOpenIdTokenForDeveloperIdentity is the enhanced flow's: unaffected.
        self.developer_token(pool_id)


class GetCallerIdentityTest(StsTestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = SERVER

    def test_developer_key(self):
        answer = self.sts.get_caller_identity()
        self.assertEqual(answer["Account"], ACCOUNT_ID)
        self.assertEqual(answer["Arn"], f"arn:aws:iam::{ACCOUNT_ID}:user/developer")
        self.assertRegex(answer["UserId"], r"^AIDA[A-Z2-7]{17}$")
        self.assertEqual(self.sts.get_caller_identity()["UserId"], answer["UserId"])

    def test_sts_credentials(self):
        pool_id = self.classic_pool()
        _, token = self.unauth_token(pool_id)
        assumed = self.assume(token, session="caller-check")
        credentials = assumed["Credentials"]
        sts = self.server.client("sts", access_key=credentials["AccessKeyId"],
                                 secret_key=credentials["SecretAccessKey"],
                                 session_token=credentials["SessionToken"])
        answer = sts.get_caller_identity()
        self.assertEqual(answer["Account"], ACCOUNT_ID)
        self.assertEqual(answer["Arn"], assumed["AssumedRoleUser"]["Arn"])
        self.assertEqual(answer["UserId"], assumed["AssumedRoleUser"]["AssumedRoleId"])

    def test_get_credentials_for_identity_credentials(self):  # D8
        pool_id = self.classic_pool()
        identity_id = self.public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        credentials = self.public.get_credentials_for_identity(
            IdentityId=identity_id)["Credentials"]
        sts = self.server.client("sts", access_key=credentials["AccessKeyId"],
                                 secret_key=credentials["SecretKey"],
                                 session_token=credentials["SessionToken"])
        answer = sts.get_caller_identity()
        self.assertEqual(
            answer["Arn"],
            f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ClassicUnauth/CognitoIdentityCredentials")
        self.assertRegex(answer["UserId"], r"^AROA[A-Z2-7]{17}:CognitoIdentityCredentials$")

    def test_signature_failures_in_sts_codes(self):  # D10, in STS's names
        unknown = self.server.client("sts", access_key="AKIDUNKNOWN000000000",
                                     secret_key="whatever")
        self.assertStsError("InvalidClientTokenId", unknown.get_caller_identity,
                            message="The security token included in the request is invalid.")
        wrong = self.server.client("sts", secret_key="not/the/right/secret")
        self.assertStsError("SignatureDoesNotMatch", wrong.get_caller_identity)
        self.assertStsError("MissingAuthenticationToken",
                            self.server.unsigned_client("sts").get_caller_identity)


class QueryProtocolTest(StsTestCase):
    """The Query protocol by hand: the GET form, XML shapes, routing and malformed requests."""

    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = SERVER

    def form(self, params, content_type="application/x-www-form-urlencoded; charset=utf-8",
             headers=None):
        body = params if isinstance(params, str) else urllib.parse.urlencode(params)
        all_headers = {"Content-Type": content_type}
        all_headers.update(headers or {})
        return send(self.server, "POST", "/", body, all_headers)

    def assertXmlError(self, response, status, code, message=None):
        self.assertEqual(response.status, status, response)
        self.assertTrue(response.headers["content-type"].startswith("text/xml"), response)
        root = sts_xml(response.body)
        self.assertEqual(root.tag, "ErrorResponse")
        self.assertEqual(root.find("Error/Type").text, "Sender")
        self.assertEqual(root.find("Error/Code").text, code)
        self.assertEqual(root.find("RequestId").text, response.headers["x-amzn-requestid"])
        if message is not None:
            self.assertEqual(root.find("Error/Message").text, message)
        return root

    def test_get_form_and_xml_shape(self):
        pool_id = self.classic_pool()
        identity_id, token = self.unauth_token(pool_id)
        query = urllib.parse.urlencode({
            "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
            "RoleArn": UNAUTH_ROLE, "RoleSessionName": "get-form", "WebIdentityToken": token})
        response = send(self.server, "GET", "/?" + query)
        self.assertEqual(response.status, 200, response)
        root = sts_xml(response.body)
        self.assertEqual(root.tag, "AssumeRoleWithWebIdentityResponse")
        result = root.find("AssumeRoleWithWebIdentityResult")
        self.assertEqual(result.find("SubjectFromWebIdentityToken").text, identity_id)
        self.assertEqual(result.find("Audience").text, pool_id)
        self.assertRegex(result.find("Credentials/Expiration").text,
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(root.find("ResponseMetadata/RequestId").text,
                         response.headers["x-amzn-requestid"])

    def test_other_actions_are_invalid(self):
        response = self.form({"Action": "AssumeRole", "Version": "2011-06-15"})
        self.assertXmlError(response, 400, "InvalidAction",
                            "Could not find operation AssumeRole for version 2011-06-15")
        response = self.form({"Action": "GetCallerIdentity", "Version": "2099-01-01"})
        self.assertXmlError(response, 400, "InvalidAction",
                            "Could not find operation GetCallerIdentity for version 2099-01-01")
        self.assertStsError("InvalidAction", self.sts.get_session_token)

    def test_missing_action_and_json_bodies(self):
        self.assertXmlError(self.form({"Version": "2011-06-15"}), 400, "MissingAction")
        # A JSON body sent as a form: no Action parameter in it.
        self.assertXmlError(self.form('{"Action": "AssumeRoleWithWebIdentity"}'), 400,
                            "MissingAction")
        # A JSON body sent as JSON without X-Amz-Target is not the Query protocol: the Cognito
        # routing answers it exactly as before.
        response = send(self.server, "POST", "/", '{"Action": "GetCallerIdentity"}',
                        {"Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(response.status, 404, response)
        self.assertEqual(response.error_type, "UnknownOperationException")

    def test_malformed_query_strings(self):
        self.assertXmlError(self.form("Action=GetCallerIdentity&Version=%zz"), 400,
                            "MalformedQueryString")
        self.assertXmlError(self.form("Action=A&Action=B"), 400, "MalformedQueryString")
        self.assertXmlError(self.form("Action=%FF%FE"), 400, "MalformedQueryString")
        many = "&".join(f"p{i}=v" for i in range(100)) + "&Action=GetCallerIdentity"
        self.assertXmlError(self.form(many), 400, "MalformedQueryString")

    def test_cors_for_the_browser_sdk(self):
        preflight = send(self.server, "OPTIONS", "/", headers={
            "Origin": "http://app.test:8080",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-amz-user-agent"})
        self.assertIn(preflight.status, (200, 204), preflight)
        self.assertIn(preflight.headers.get("access-control-allow-origin"),
                      ("*", "http://app.test:8080"))
        response = self.form({"Action": "AssumeRole"}, headers={"Origin": "http://app.test:8080"})
        self.assertEqual(response.status, 400, response)
        self.assertIn(response.headers.get("access-control-allow-origin"),
                      ("*", "http://app.test:8080"))


if __name__ == "__main__":
    unittest.main()
