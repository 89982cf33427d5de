using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Sessions;

/// <summary>
/// The web client's sign-in: an API token exchanged for a session cookie that acts as that token, whose writes need
/// the anti-forgery header, and which ends on sign-out, on its token's revocation and when idle or too old (and is then deleted).
/// </summary>
public sealed class WebSessionTests : IntegrationTest
{
    private const string Cookie = "tm_session";
    private const string AntiForgeryHeader = "X-CSRF-Token";

    private sealed record Session(string Cookie, string AntiForgery, ApiResponse Answer);

    private async Task<Session> SignInAsync(string token)
    {
        var answer = await Expect(HttpStatusCode.Created, Api.Post("/sessions", new { token }));
        var cookie = SetCookie(answer)!;
        var value = cookie.Split(';')[0][(Cookie.Length + 1)..];
        return new Session(value, answer["antiForgeryToken"].GetValue<string>(), answer);
    }

    private static string? SetCookie(ApiResponse answer) =>
        answer.Headers.TryGetValues("Set-Cookie", out var values) ? values.SingleOrDefault(v => v.StartsWith(Cookie + "=", StringComparison.Ordinal)) : null;

    private Task<ApiResponse> WithCookie(HttpMethod method, string path, Session session, object? body = null, string? antiForgery = null) =>
        Api.Send(method, path, body is null ? null : System.Net.Http.Json.JsonContent.Create(body, options: System.Text.Json.JsonSerializerOptions.Web),
            null, request =>
            {
                request.Headers.Add("Cookie", $"{Cookie}={session.Cookie}");
                if (antiForgery is not null)
                    request.Headers.Add(AntiForgeryHeader, antiForgery);
            });

    private static async Task<long> AuditEventsAsync() => await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events");

    [Test]
    public async Task Sign_in_answers_who_the_user_is_and_sets_a_strict_http_only_cookie()
    {
        var world = await NewTrialAsync();
        var session = await SignInAsync(world.ResearcherA);
        var me = await Api.Get("/me", world.ResearcherA);
        var cookie = SetCookie(session.Answer)!.ToLowerInvariant();
        Assert.Multiple(() =>
        {
            Assert.That(session.Answer["userId"].GetValue<Guid>(), Is.EqualTo(me.Id));
            Assert.That(session.Answer["userName"].GetValue<string>(), Is.EqualTo(me["userName"].GetValue<string>()));
            Assert.That(session.Answer.Json!["systemRole"], Is.Null);
            Assert.That(session.AntiForgery, Has.Length.GreaterThanOrEqualTo(40));
            Assert.That(session.Answer.Body, Does.Not.Contain(session.Cookie), "the cookie's secret is not in the body");
            Assert.That(cookie, Does.Contain("httponly"));
            Assert.That(cookie, Does.Contain("samesite=strict"));
            Assert.That(cookie, Does.Contain("path=/"));
            Assert.That(cookie, Does.Not.Contain("secure"), "plain http on loopback");
            Assert.That(cookie, Does.Contain("expires="));
        });
        Assert.That((await WithCookie(HttpMethod.Get, "/me", session)).Id, Is.EqualTo(me.Id));
    }

    [Test]
    public async Task Sign_in_and_sign_out_are_audited_without_any_secret()
    {
        var world = await NewTrialAsync();
        var session = await SignInAsync(world.ResearcherA);
        await Expect(HttpStatusCode.NoContent, WithCookie(HttpMethod.Delete, "/sessions/current", session, antiForgery: session.AntiForgery));
        var events = await Api.Get("/audit/system?action=access&limit=100", Admin);
        var texts = events["items"].AsArray().Select(e => e!.ToJsonString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(texts, Has.Exactly(1).Contains("signed in to the web client"));
            Assert.That(texts, Has.Exactly(1).Contains("signed out of the web client"));
            Assert.That(events.Body, Does.Not.Contain(session.Cookie).And.Not.Contain(session.AntiForgery).And.Not.Contain(world.ResearcherA));
        });
        Assert.That((await Api.Get("/audit/system/verify", Admin))["valid"].GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task A_wrong_or_revoked_token_answers_401_and_records_nothing()
    {
        var (userId, token) = await NewUserAsync(Api, "leaver");
        var tokenId = (await Api.Get($"/users/{userId}/tokens", Admin))["items"].AsArray()[0]!["id"]!.GetValue<Guid>();
        await Expect(HttpStatusCode.NoContent, Api.Delete($"/tokens/{tokenId}", Admin));
        var events = await AuditEventsAsync();
        foreach (var wrong in new[] { "tm_not_a_token", token })
        {
            var answer = await Api.Post("/sessions", new { token = wrong });
            Assert.That(answer.Code, Is.EqualTo(401), answer.ToString());
            Assert.That(answer.ContentType, Is.EqualTo("application/problem+json"));
            Assert.That(SetCookie(answer), Is.Null);
        }
        Assert.That(await AuditEventsAsync(), Is.EqualTo(events));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM web_sessions"), Is.Zero);
    }

    [Test]
    public async Task A_read_with_the_cookie_is_scoped_and_blinded_like_the_token()
    {
        var world = await NewTrialAsync();
        await Expect(HttpStatusCode.OK, Api.Put($"{world.Path}/randomisation/scheme", new { method = "simple" }, world.Manager));
        await Expect(HttpStatusCode.OK, Api.Post($"{world.Path}/randomisation/scheme/seal", new { }, world.Manager));
        await Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/randomisation/allocations", new { clusterId = world.ClusterB }, world.Manager));
        var researcherB = await SignInAsync(world.ResearcherB);
        var statistician = await SignInAsync(world.Statistician);
        var manager = await SignInAsync(world.Manager);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That((await WithCookie(HttpMethod.Get, $"{world.Path}/participants/{world.ParticipantA}", researcherB)).Code, Is.EqualTo(404),
                "another site's participant");
            var own = await WithCookie(HttpMethod.Get, $"{world.Path}/clusters/{world.ClusterB}", researcherB);
            Assert.That(own.Code, Is.EqualTo(200));
            Assert.That(own.Body, Does.Not.Contain(ArmZulu).And.Not.Contain(ArmYankee));
            var blinded = await WithCookie(HttpMethod.Get, $"{world.Path}/clusters/{world.ClusterB}", statistician);
            Assert.That(blinded.Code, Is.EqualTo(200));
            Assert.That(blinded.Body, Does.Not.Contain(ArmZulu).And.Not.Contain(ArmYankee));
            Assert.That((await WithCookie(HttpMethod.Get, $"{world.Path}/randomisation/allocations", statistician)).Code, Is.EqualTo(403));
            var unblinded = await WithCookie(HttpMethod.Get, $"{world.Path}/clusters/{world.ClusterB}", manager);
            Assert.That(unblinded.Body, Does.Contain(ArmZulu).Or.Contain(ArmYankee), "the manager's token sees arms, so does their session");
        });
    }

    [Test]
    public async Task A_write_with_the_cookie_needs_the_anti_forgery_header_and_a_bearer_write_does_not()
    {
        var world = await NewTrialAsync();
        var session = await SignInAsync(world.ResearcherA);
        var participants = await Db.ScalarAsync<long>("SELECT count(*) FROM participants");
        foreach (var header in new string?[] { null, "", "not-the-token", (await SignInAsync(world.ResearcherA)).AntiForgery })
        {
            var refused = await WithCookie(HttpMethod.Post, $"{world.Path}/participants", session, NewParticipant(world.ClusterA), header);
            Assert.That(refused.Code, Is.EqualTo(403), $"{header ?? "(none)"}: {refused}");
            Assert.That(refused.ContentType, Is.EqualTo("application/problem+json"));
            Assert.That(refused.Body, Does.Contain(AntiForgeryHeader));
        }
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM participants"), Is.EqualTo(participants), "nothing written");

        await Expect(HttpStatusCode.Created, WithCookie(HttpMethod.Post, $"{world.Path}/participants", session, NewParticipant(world.ClusterA), session.AntiForgery));
        await Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/participants", NewParticipant(world.ClusterA), world.ResearcherA));
        Assert.That(await Db.ScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE entity_type = 'participant' AND action = 'insert' AND actor_user_id = $1",
            session.Answer["userId"].GetValue<Guid>()), Is.EqualTo(3), "attributed to the session's user, like the token's writes");
    }

    [Test]
    public async Task Sign_out_ends_the_session_and_drops_the_cookie()
    {
        var world = await NewTrialAsync();
        var session = await SignInAsync(world.ResearcherA);
        Assert.That((await WithCookie(HttpMethod.Delete, "/sessions/current", session)).Code, Is.EqualTo(403), "sign-out is a write too");
        var signedOut = await Expect(HttpStatusCode.NoContent, WithCookie(HttpMethod.Delete, "/sessions/current", session, antiForgery: session.AntiForgery));
        Assert.That(SetCookie(signedOut), Does.Contain("expires=Thu, 01 Jan 1970"));
        var after = await WithCookie(HttpMethod.Get, "/me", session);
        Assert.That(after.Code, Is.EqualTo(401), after.ToString());
        Assert.That(after.ContentType, Is.EqualTo("application/problem+json"));
        Assert.That((await Api.Get("/me", world.ResearcherA)).Code, Is.EqualTo(200), "the token itself still works");
    }

    [Test]
    public async Task Revoking_the_token_ends_its_sessions()
    {
        var (userId, token) = await NewUserAsync(Api, "leaver");
        var session = await SignInAsync(token);
        Assert.That((await WithCookie(HttpMethod.Get, "/me", session)).Code, Is.EqualTo(200));
        var tokenId = (await Api.Get($"/users/{userId}/tokens", Admin))["items"].AsArray()[0]!["id"]!.GetValue<Guid>();
        await Expect(HttpStatusCode.NoContent, Api.Delete($"/tokens/{tokenId}", Admin));
        Assert.That((await WithCookie(HttpMethod.Get, "/me", session)).Code, Is.EqualTo(401));
    }

    [Test]
    public async Task A_session_ends_when_idle_or_too_old_and_slides_while_used()
    {
        var (_, token) = await NewUserAsync(Api, "idler");
        var used = await SignInAsync(token);
        var idle = await SignInAsync(token);
        var old = await SignInAsync(token);
        // Moved back in the database, as the tests move time elsewhere: within the idle limit, beyond it, beyond the absolute one.
        await Db.ScalarAsync<int>("UPDATE web_sessions SET last_seen_at = now() - interval '20 minutes' WHERE secret_hash = sha256($1::bytea)",
            System.Text.Encoding.UTF8.GetBytes(used.Cookie));
        await Db.ScalarAsync<int>("UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes' WHERE secret_hash = sha256($1::bytea)",
            System.Text.Encoding.UTF8.GetBytes(idle.Cookie));
        await Db.ScalarAsync<int>("UPDATE web_sessions SET expires_at = now() - interval '1 second' WHERE secret_hash = sha256($1::bytea)",
            System.Text.Encoding.UTF8.GetBytes(old.Cookie));
        await Assert.MultipleAsync(async () =>
        {
            Assert.That((await WithCookie(HttpMethod.Get, "/me", used)).Code, Is.EqualTo(200));
            Assert.That(await Db.ScalarAsync<bool>("SELECT last_seen_at > now() - interval '1 minute' FROM web_sessions WHERE secret_hash = sha256($1::bytea)",
                System.Text.Encoding.UTF8.GetBytes(used.Cookie)), Is.True, "use moves the idle limit on");
            Assert.That((await WithCookie(HttpMethod.Get, "/me", idle)).Code, Is.EqualTo(401));
            Assert.That((await WithCookie(HttpMethod.Get, "/me", old)).Code, Is.EqualTo(401));
        });
    }

    [Test]
    public async Task Ended_sessions_are_deleted_by_their_own_job_and_live_ones_kept()
    {
        var (_, token) = await NewUserAsync(Api, "sessions");
        var live = await SignInAsync(token);
        var used = await SignInAsync(token);
        var idle = await SignInAsync(token);
        var old = await SignInAsync(token);
        var signedOut = await SignInAsync(token);
        await Expect(HttpStatusCode.NoContent, WithCookie(HttpMethod.Delete, "/sessions/current", signedOut, antiForgery: signedOut.AntiForgery));
        // Moved back in the database, as the tests move time elsewhere: within the idle limit, beyond it, beyond the absolute one.
        async Task MoveAsync(Session session, string set) => await Db.ScalarAsync<int>(
            $"UPDATE web_sessions SET {set} WHERE secret_hash = sha256($1::bytea)", System.Text.Encoding.UTF8.GetBytes(session.Cookie));
        await MoveAsync(used, "last_seen_at = now() - interval '29 minutes'");
        await MoveAsync(idle, "last_seen_at = now() - interval '31 minutes'");
        await MoveAsync(old, "expires_at = now() - interval '1 second'");

        await Expect(HttpStatusCode.Accepted, Api.Post("/jobs/session-cleanup/trigger", new { }, Admin));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await Db.ScalarAsync<long>("SELECT count(*) FROM web_sessions") != 2 && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM web_sessions"), Is.EqualTo(2), "the idle, the expired and the signed-out one deleted");
        await Assert.MultipleAsync(async () =>
        {
            Assert.That((await WithCookie(HttpMethod.Get, "/me", live)).Code, Is.EqualTo(200));
            Assert.That((await WithCookie(HttpMethod.Get, "/me", used)).Code, Is.EqualTo(200), "idle for less than Sessions:IdleMinutes");
            Assert.That((await WithCookie(HttpMethod.Get, "/me", idle)).Code, Is.EqualTo(401));
        });
    }

    [Test]
    public async Task The_web_client_is_served_with_a_strict_content_security_policy()
    {
        using var page = await Api.Http.GetAsync("/app/");
        var body = await page.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
            Assert.That(csp, Does.Contain("default-src 'self'").And.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'"));
            Assert.That(csp, Does.Not.Contain("unsafe-inline").And.Not.Contain("unsafe-eval"));
            Assert.That(page.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
            Assert.That(page.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("no-referrer"));
            Assert.That(body, Does.Not.Contain("<script>"), "no inline script");
        });
        using var missing = await Api.Http.GetAsync("/app/no-such-file.js");
        Assert.That(missing.Headers.Contains("Content-Security-Policy"), Is.True, "every answer under /app");

        // The client's script is a static asset: compressed when the browser accepts it, with the policy too.
        var script = System.Text.RegularExpressions.Regex.Match(body, "<script type=\"module\"[^>]* src=\"(/app/assets/[^\"]+\\.js)\"");
        Assert.That(script.Success, Is.True, $"the built page loads its script from /app/assets: {body}");
        using var request = new HttpRequestMessage(HttpMethod.Get, script.Groups[1].Value);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var asset = await Api.Http.SendAsync(request);
        Assert.Multiple(() =>
        {
            Assert.That(asset.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(asset.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
            Assert.That(asset.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "gzip" }));
            Assert.That(asset.Headers.Contains("Content-Security-Policy"), Is.True);
            Assert.That(asset.Headers.ETag, Is.Not.Null);
            Assert.That(asset.Headers.CacheControl?.ToString(), Is.EqualTo("public, max-age=31536000, immutable"), "named by its content's hash");
            Assert.That(page.Headers.CacheControl?.NoCache, Is.True, "the page names the current build's assets");
        });
    }
}
