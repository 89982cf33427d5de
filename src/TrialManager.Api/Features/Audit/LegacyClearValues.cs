using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure;
using TrialManager.Data;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Events written before values were sealed (format 1) hold revealing values in clear in their hashed form. Their
/// hash, and every later hash of the same strand (each covers the one before it), would let a blinded reader confirm
/// a guess of those values, so blinded readers are not shown them: from the first such event of a strand on, its
/// hashes (and the checkpoint heads that repeat them) are withheld. The service's own verification still checks them.
/// </summary>
public sealed class LegacyClearValues
{
    public static readonly LegacyClearValues None = new(new Dictionary<int, long>());

    private readonly IReadOnlyDictionary<int, long> _firstSequence;

    private LegacyClearValues(IReadOnlyDictionary<int, long> firstSequence) => _firstSequence = firstSequence;

    public bool HidesHash(int strand, long sequence) => _firstSequence.TryGetValue(strand, out var first) && sequence >= first;

    public bool HidesPreviousHash(int strand, long sequence) => _firstSequence.TryGetValue(strand, out var first) && sequence > first;

    /// <summary>The first event of each strand with a value in clear (a partial index keeps this to those few events).</summary>
    public static async Task<LegacyClearValues> ReadAsync(TrialManagerDbContext db, Guid chainId, CancellationToken ct)
    {
        await using var command = await db.CommandAsync($"""
            SELECT strand, min(sequence) FROM audit_events
            WHERE chain_id = @chain AND format = 1 AND {ClearValuePredicate}
            GROUP BY strand
            """, ct, ("chain", chainId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var first = new Dictionary<int, long>();
        while (await reader.ReadAsync(ct))
            first[reader.GetInt32(0)] = reader.GetInt64(1);
        return first.Count == 0 ? None : new LegacyClearValues(first);
    }

    /// <summary>The predicate of the partial index (migration BlindingIntegrity) that finds them.</summary>
    public const string ClearValuePredicate = "(changes::text LIKE '%\"blinded\":true%')";
}
