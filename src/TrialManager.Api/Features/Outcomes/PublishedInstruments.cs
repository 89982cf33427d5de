using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Data;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>
/// Parsed definitions of published instrument versions, kept once read: a published version never changes (a change
/// is a new version), so a cached definition cannot go stale, and saving an assessment neither fetches nor parses it.
/// </summary>
public sealed class PublishedInstruments
{
    private readonly ConcurrentDictionary<(Guid TrialId, string Code, int Version), InstrumentDefinition> _definitions = new();

    public async ValueTask<InstrumentDefinition?> DefinitionAsync(TrialManagerDbContext db, Guid trialId, string code, int version,
        CancellationToken ct)
    {
        if (_definitions.TryGetValue((trialId, code, version), out var known))
            return known;
        var json = await db.Instruments.Where(i => i.TrialId == trialId && i.Code == code && i.Version == version)
            .Select(i => i.Definition).SingleOrDefaultAsync(ct);
        if (json is null)
            return null;
        return _definitions[(trialId, code, version)] = InstrumentDefinition.FromJson(json);
    }
}
