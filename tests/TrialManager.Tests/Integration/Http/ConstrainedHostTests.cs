using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace TrialManager.Tests.Integration.Http;

/// <summary>
/// A second API instance on the same database with small rate limits, and a random source that fails,
/// to see the answers to an exhausted budget and to an unexpected exception.
/// </summary>
public sealed class ConstrainedHostTests : IntegrationTest
{
    private ApiFactory _factory = null!;
    private ApiClient _constrained = null!;

    [OneTimeSetUp]
    public void StartConstrainedHost()
    {
        _factory = new ApiFactory(TestHost.Database,
            new Dictionary<string, string?> { ["RateLimits:TokenBurst"] = "5", ["RateLimits:TokenPerSecond"] = "1" },
            services => services.AddSingleton<RandomNumberGenerator>(new FailingRandom()));
        _factory.StartServer();
    }

    [OneTimeTearDown]
    public async Task StopConstrainedHost() => await _factory.DisposeAsync();

    [SetUp]
    public void Client() => _constrained = _factory.Client();

    [Test]
    public async Task A_token_over_its_budget_gets_429_with_retry_after()
    {
        var answers = new List<ApiResponse>();
        for (var i = 0; i < 8; i++)
            answers.Add(await _constrained.Get("/me", Admin));
        var limited = answers.First(a => a.Code == 429);
        Assert.Multiple(() =>
        {
            Assert.That(answers.Take(5).Select(a => a.Code), Is.All.EqualTo(200));
            Assert.That(limited.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThanOrEqualTo(1));
            Assert.That(limited.ContentType, Is.EqualTo("application/problem+json"));
        });
        var world = await NewTrialAsync();
        Assert.That((await _constrained.Get("/me", world.Monitor)).Code, Is.EqualTo(200), "another token has its own budget");
    }

    [Test]
    public async Task A_web_session_spends_its_tokens_budget_on_any_instance()
    {
        var (_, token) = await TrialWorld.NewUserAsync(Api, "user");
        var signIn = await TrialWorld.Expect(System.Net.HttpStatusCode.Created, Api.Post("/sessions", new { token }));
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var withCookie = () => _constrained.Send(HttpMethod.Get, "/me", (HttpContent?)null, null, r => r.Headers.Add("Cookie", cookie));
        Assert.That((await withCookie()).Code, Is.EqualTo(200), "a session made on one instance is known to another");
        for (var i = 0; i < 4; i++)
            await _constrained.Get("/me", token);
        Assert.That((await withCookie()).Code, Is.EqualTo(429), "the cookie and the bearer token share one budget");
    }

    [Test]
    public async Task An_unexpected_exception_is_a_500_problem_without_internals()
    {
        var (userId, _) = await TrialWorld.NewUserAsync(Api, "user");
        await Task.Delay(TimeSpan.FromSeconds(1)); // the admin token's budget refills after the set-up above
        var response = await _constrained.Post($"/users/{userId}/tokens", new { name = "x" }, Admin);
        Assert.Multiple(() =>
        {
            Assert.That(response.Code, Is.EqualTo(500));
            Assert.That(response.ContentType, Is.EqualTo("application/problem+json"));
            Assert.That(response.Body, Does.Not.Contain("secret entropy pool").And.Not.Contain("   at ").And.Not.Contain("Exception"));
            Assert.That(response["requestId"].GetValue<string>(), Is.Not.Empty);
        });
        Assert.That((await Api.Get($"/users/{userId}/tokens", Admin))["items"].AsArray(), Has.Count.EqualTo(1), "the failed request wrote nothing");
    }

    [Test]
    public async Task A_token_revoked_through_one_instance_is_refused_by_another_at_once()
    {
        var (userId, token) = await TrialWorld.NewUserAsync(Api, "user");
        Assert.That((await _constrained.Get("/me", token)).Code, Is.EqualTo(200), "the other instance has seen (and cached) the token");
        var tokenId = (await Api.Get($"/users/{userId}/tokens", Admin))["items"].AsArray().Single()!["id"]!.GetValue<Guid>();
        await TrialWorld.Expect(System.Net.HttpStatusCode.NoContent, Api.Delete($"/tokens/{tokenId}", Admin));
        // The revocation reaches the other instance as a PostgreSQL notification, within milliseconds.
        var deadline = DateTime.UtcNow.AddSeconds(2);
        int status;
        do
        {
            status = (await _constrained.Get("/me", token)).Code;
        } while (status == 200 && DateTime.UtcNow < deadline && await Task.Delay(50).ContinueWith(_ => true));
        Assert.That(status, Is.EqualTo(401));
    }

    private sealed class FailingRandom : RandomNumberGenerator
    {
        public override void GetBytes(byte[] data) => throw new CryptographicException("secret entropy pool unavailable");
        public override void GetBytes(Span<byte> data) => throw new CryptographicException("secret entropy pool unavailable");
    }
}
