using System.Buffers.Text;
using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Access;

public sealed class TokenTests : IntegrationTest
{
    [Test]
    public async Task A_token_is_256_random_bits_shown_once_and_stored_only_as_a_hash()
    {
        var (userId, token) = await NewUserAsync(Api, "user");
        Assert.That(Base64Url.DecodeFromChars(token.AsSpan("tm_".Length)), Has.Length.EqualTo(32));
        var stored = await Db.ScalarAsync<long>(
            "SELECT count(*) FROM api_tokens t WHERE t.user_id = $1 AND (t::text LIKE '%' || $2 || '%')", userId, token["tm_".Length..]);
        Assert.That(stored, Is.Zero, "the secret does not appear in the token row");
        var listed = await Api.Get($"/users/{userId}/tokens", Admin);
        Assert.That(listed.Body, Does.Not.Contain(token));
    }

    [Test]
    public async Task A_revoked_token_is_refused_and_its_last_use_was_recorded()
    {
        var (userId, token) = await NewUserAsync(Api, "user");
        Assert.That((await Api.Get("/me", token)).Code, Is.EqualTo(200));
        var listed = (await Api.Get($"/users/{userId}/tokens", Admin))["items"].AsArray().Single()!;
        Assert.That(listed["lastUsedAt"], Is.Not.Null);
        await Expect(HttpStatusCode.NoContent, Api.Delete($"/tokens/{listed["id"]}", Admin));
        var refused = await Api.Get("/me", token);
        Assert.That(refused.Code, Is.EqualTo(401));
        Assert.That(refused.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer"));
        Assert.That(refused.ContentType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task A_user_may_revoke_their_own_token()
    {
        var (userId, token) = await NewUserAsync(Api, "user");
        var tokenId = (await Api.Get($"/users/{userId}/tokens", Admin))["items"].AsArray().Single()!["id"]!.GetValue<Guid>();
        await Expect(HttpStatusCode.NoContent, Api.Delete($"/tokens/{tokenId}", token));
        Assert.That((await Api.Get("/me", token)).Code, Is.EqualTo(401));
    }

    [Test]
    public async Task A_token_expires_at_its_expiry()
    {
        var (userId, _) = await NewUserAsync(Api, "user");
        var past = await Api.Post($"/users/{userId}/tokens", new { name = "old", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, Admin);
        Assert.That(past.Code, Is.EqualTo(422), "an expiry in the past is refused");
        var soon = await Expect(HttpStatusCode.Created, Api.Post($"/users/{userId}/tokens",
            new { name = "short", expiresAt = DateTimeOffset.UtcNow.AddSeconds(2) }, Admin));
        var secret = soon["token"].GetValue<string>();
        Assert.That((await Api.Get("/me", secret)).Code, Is.EqualTo(200));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.That((await Api.Get("/me", secret)).Code, Is.EqualTo(401));
    }

    [Test]
    public async Task A_garbage_or_missing_token_is_a_401_problem()
    {
        Assert.That((await Api.Get("/me", "tm_not-a-real-token")).Code, Is.EqualTo(401));
        var anonymous = await Api.Get("/trials");
        Assert.That(anonymous.Code, Is.EqualTo(401));
        Assert.That(anonymous["status"].GetValue<int>(), Is.EqualTo(401));
    }

    [Test]
    public async Task Me_tells_the_caller_their_roles_and_sites()
    {
        var world = await NewTrialAsync();
        var me = await Api.Get("/me", world.ResearcherA);
        var trial = me["trials"].AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(me.Json!["systemRole"], Is.Null);
            Assert.That(trial["role"]!.GetValue<string>(), Is.EqualTo("researcher"));
            Assert.That(trial["siteIds"]!.AsArray().Select(s => s!.GetValue<Guid>()), Is.EqualTo(new[] { world.SiteA }));
        });
        Assert.That((await Api.Get("/me", Admin))["systemRole"].GetValue<string>(), Is.EqualTo("admin"));
    }
}
