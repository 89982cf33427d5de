using System.Data.Common;
using TrialManager.Api.Features.Access;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// A trial write locks a free strand of the trial's audit chain in the round trip of its access check, so that
/// saving its events needs no round trip of its own; every append in the transaction continues that strand.
/// </summary>
internal sealed class StrandLease(AuditOptions options) : ITrialWriteCompanion
{
    private static readonly string FreeStrandOfTrial = AuditAppender.FreeStrand.Replace("@chain", "@trial", StringComparison.Ordinal);

    public string? Sql => options.Enabled && AuditScope.Current is not null ? FreeStrandOfTrial : null;

    public async Task ReadAsync(DbDataReader reader, Guid trialId, CancellationToken ct)
    {
        if (await reader.ReadAsync(ct))
            AuditScope.Current!.HeldStrands[trialId] = new StrandPosition(reader.GetInt32(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
    }
}
