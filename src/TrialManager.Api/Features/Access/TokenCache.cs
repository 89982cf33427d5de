using System.Collections.Concurrent;
using TrialManager.Data;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// Tokens verified against the database in the last <see cref="FreshFor"/>, so that most requests need no token
/// lookup. With a session of its own (`Database:Pooler=none`), revocation is immediate: a revoke sends a PostgreSQL
/// notification on commit, every instance's <see cref="TokenRevocationListener"/> evicts the token, and while the
/// listener is not connected the cache is not used. Behind a transaction pooler nothing can listen, so a token is
/// trusted for `Access:RevocationSeconds` only: that is how long a revoked token may still work on another instance.
/// </summary>
public sealed class TokenCache
{
    public static readonly TimeSpan FreshWhileListening = TimeSpan.FromSeconds(30);

    public const string RevocationSetting = "Access:RevocationSeconds";
    public const double DefaultRevocationSeconds = 5, MaxRevocationSeconds = 60;

    private readonly ConcurrentDictionary<string, VerifiedToken> _byHash = new();
    private long _generation;
    private volatile bool _usable;

    public TokenCache(TimeSpan freshFor, bool needsListener)
    {
        FreshFor = freshFor;
        NeedsListener = needsListener;
        _usable = !needsListener;
    }

    public static TokenCache For(DatabasePooler pooler, IConfiguration configuration)
    {
        if (pooler == DatabasePooler.None)
            return new TokenCache(FreshWhileListening, needsListener: true);
        var seconds = configuration.GetValue(RevocationSetting, DefaultRevocationSeconds);
        if (!(seconds is >= 0 and <= MaxRevocationSeconds))
            throw new InvalidOperationException($"{RevocationSetting} is {seconds}; it must be between 0 and {MaxRevocationSeconds} seconds.");
        return new TokenCache(TimeSpan.FromSeconds(seconds), needsListener: false);
    }

    public TimeSpan FreshFor { get; }

    /// <summary>Whether revocations arrive by notification (a <see cref="TokenRevocationListener"/> must run).</summary>
    public bool NeedsListener { get; }

    public sealed record VerifiedToken(Guid TokenId, Guid UserId, string UserName, bool IsSystemAdmin, DateTimeOffset? ExpiresAt,
        DateTimeOffset VerifiedAt);

    /// <summary>Read before a database lookup: a revocation seen meanwhile stops the stale result from being kept.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string hash, DateTimeOffset now, out VerifiedToken token)
    {
        if (_usable && _byHash.TryGetValue(hash, out token!) && now - token.VerifiedAt < FreshFor)
            return true;
        token = null!;
        return false;
    }

    public void Keep(string hash, VerifiedToken token, long generationBeforeLookup)
    {
        if (_usable && Generation == generationBeforeLookup)
            _byHash[hash] = token;
    }

    public void Evict(Guid tokenId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (hash, token) in _byHash)
            if (token.TokenId == tokenId)
                _byHash.TryRemove(hash, out _);
    }

    internal void Listening(bool listening)
    {
        _usable = listening;
        Clear();
    }

    /// <summary>Forgets every token, e.g. after the database was changed behind the API's back.</summary>
    internal void Clear()
    {
        Interlocked.Increment(ref _generation);
        _byHash.Clear();
    }
}
