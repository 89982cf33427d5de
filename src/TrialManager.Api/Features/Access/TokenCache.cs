using System.Collections.Concurrent;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// Tokens verified against the database in the last <see cref="FreshFor"/>, so that most requests need no token
/// lookup. Revocation stays immediate: a revoke sends a PostgreSQL notification on commit, and every instance's
/// <see cref="TokenRevocationListener"/> evicts the token. While the listener is not connected the cache is not used.
/// </summary>
public sealed class TokenCache
{
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, VerifiedToken> _byHash = new();
    private long _generation;
    private volatile bool _listening;

    public sealed record VerifiedToken(Guid TokenId, Guid UserId, string UserName, bool IsSystemAdmin, DateTimeOffset? ExpiresAt,
        DateTimeOffset VerifiedAt);

    /// <summary>Read before a database lookup: a revocation seen meanwhile stops the stale result from being kept.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string hash, DateTimeOffset now, out VerifiedToken token)
    {
        if (_listening && _byHash.TryGetValue(hash, out token!) && now - token.VerifiedAt < FreshFor)
            return true;
        token = null!;
        return false;
    }

    public void Keep(string hash, VerifiedToken token, long generationBeforeLookup)
    {
        if (_listening && Generation == generationBeforeLookup)
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
        _listening = listening;
        Clear();
    }

    /// <summary>Forgets every token, e.g. after the database was changed behind the API's back.</summary>
    internal void Clear()
    {
        Interlocked.Increment(ref _generation);
        _byHash.Clear();
    }
}
