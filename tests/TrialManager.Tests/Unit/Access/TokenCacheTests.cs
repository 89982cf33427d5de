using Microsoft.Extensions.Configuration;
using TrialManager.Api.Features.Access;
using TrialManager.Data;

namespace TrialManager.Tests.Unit.Access;

/// <summary>How long a verified token is trusted without asking the database, with and without a revocation listener.</summary>
public sealed class TokenCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static TokenCache.VerifiedToken Verified(DateTimeOffset at) => new(Guid.NewGuid(), Guid.NewGuid(), "u", false, null, at);

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Test]
    public void With_a_session_of_its_own_the_cache_is_used_only_while_the_listener_is_connected()
    {
        var cache = TokenCache.For(DatabasePooler.None, Settings());
        cache.Keep("h", Verified(Now), cache.Generation);
        Assert.That(cache.TryGet("h", Now, out _), Is.False, "not listening yet: nothing kept");

        cache.Listening(true);
        cache.Keep("h", Verified(Now), cache.Generation);
        Assert.Multiple(() =>
        {
            Assert.That(cache.NeedsListener, Is.True);
            Assert.That(cache.TryGet("h", Now + TimeSpan.FromSeconds(29), out _), Is.True);
            Assert.That(cache.TryGet("h", Now + TimeSpan.FromSeconds(30), out _), Is.False);
        });
        cache.Listening(false);
        Assert.That(cache.TryGet("h", Now, out _), Is.False, "the listener lost its connection: every token is looked up");
    }

    [Test]
    public void Behind_a_transaction_pooler_a_token_is_trusted_for_the_revocation_bound_only()
    {
        var cache = TokenCache.For(DatabasePooler.Transaction, Settings(("Access:RevocationSeconds", "3")));
        var token = Verified(Now);
        cache.Keep("h", token, cache.Generation);
        Assert.Multiple(() =>
        {
            Assert.That(cache.NeedsListener, Is.False);
            Assert.That(cache.FreshFor, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(cache.TryGet("h", Now + TimeSpan.FromSeconds(2.9), out _), Is.True);
            Assert.That(cache.TryGet("h", Now + TimeSpan.FromSeconds(3), out _), Is.False, "re-checked against the database");
        });
        cache.Evict(token.TokenId);
        Assert.That(cache.TryGet("h", Now, out _), Is.False, "a revoke on this instance is still immediate here");
    }

    [Test]
    public void The_revocation_bound_defaults_to_five_seconds() =>
        Assert.That(TokenCache.For(DatabasePooler.Transaction, Settings()).FreshFor, Is.EqualTo(TimeSpan.FromSeconds(5)));

    [TestCase("-1")]
    [TestCase("61")]
    [TestCase("NaN")]
    public void A_revocation_bound_out_of_range_stops_the_start_naming_the_setting(string seconds) =>
        Assert.That(() => TokenCache.For(DatabasePooler.Transaction, Settings(("Access:RevocationSeconds", seconds))),
            Throws.InvalidOperationException.With.Message.Contains("Access:RevocationSeconds"));
}
