using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Conventions;
using TrialManager.Data.Participants;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Reports;

/// <summary>
/// Reports a trial needs for its paper. Readers who may see allocations get them per arm (an access event records
/// it); everyone else gets the same counts pooled, naming no arm.
/// </summary>
public static class TrialReports
{
    private static readonly string[] Done = ["complete", "verified", "locked"];

    public sealed record ConsortQuery(Guid TrialId, string? PrimaryInstrument) : IQuery<ConsortReport>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadReports;
    }

    public sealed record ConsortGroup(string Group, ConsortFlow.Group Flow);

    public sealed record ConsortReport(bool PerArm, string? FinalTimepoint, string? PrimaryInstrument, int ClustersNotRandomised,
        IReadOnlyList<ConsortGroup> Groups);

    public sealed record BlindingQuery(Guid TrialId) : IQuery<BlindingReport>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadReports;
    }

    public sealed record ArmGuesses(string Arm, IReadOnlyDictionary<string, int> Guesses, BangIndex.Result BangIndex);

    /// <summary>Counts for everyone; guesses against the true arms, with Bang's index, for unblinded readers after lock.</summary>
    public sealed record BlindingReport(int Guesses, int DontKnow, int Breaches, IReadOnlyDictionary<string, int> GuessesByTimepoint,
        IReadOnlyList<ArmGuesses>? PerArm);

    public sealed class Handler(TrialManagerDbContext db, CallerBlinding blinding, AccessAudit access)
        : IQueryHandler<ConsortQuery, ConsortReport>, IQueryHandler<BlindingQuery, BlindingReport>
    {
        public async ValueTask<ConsortReport> Handle(ConsortQuery query, CancellationToken ct)
        {
            var timepoints = await db.Timepoints.AsNoTracking().Where(t => t.TrialId == query.TrialId).OrderBy(t => t.OffsetDays).ToListAsync(ct);
            var final = timepoints.LastOrDefault();
            var primary = query.PrimaryInstrument ?? (final is null ? null : await db.ScheduleEntries.Where(e => e.TrialId == query.TrialId
                && e.TimepointCode == final.Code).OrderBy(e => e.Position).Select(e => e.InstrumentCode).FirstOrDefaultAsync(ct));
            var allocations = await db.Allocations.AsNoTracking().Where(a => a.TrialId == query.TrialId).ToDictionaryAsync(a => a.ClusterId, a => a.Arm, ct);
            var clusterCount = await db.Clusters.CountAsync(c => c.TrialId == query.TrialId, ct);
            var participants = await db.Participants.AsNoTracking().Where(p => p.TrialId == query.TrialId).ToListAsync(ct);
            var assessed = (await db.Assessments.AsNoTracking().Where(a => a.TrialId == query.TrialId && Done.Contains(a.Status))
                    .Select(a => new { a.ParticipantId, a.TimepointCode, a.InstrumentCode }).ToListAsync(ct))
                .ToLookup(a => a.ParticipantId);
            var facts = participants.Where(p => allocations.ContainsKey(p.ClusterId)).Select(p => new ConsortFlow.ParticipantFacts(p.ClusterId,
                KebabCaseEnumConverter<ParticipantStatus>.ToWord(p.Status), p.StatusReason,
                assessed[p.Id].Select(a => a.TimepointCode).ToHashSet(),
                p.Status != ParticipantStatus.WithdrawnData && assessed[p.Id].Any(a => a.TimepointCode == final?.Code && a.InstrumentCode == primary)))
                .ToList();
            var codes = timepoints.Select(t => t.Code).ToList();
            var perArm = await blinding.SeesEveryArmAsync(ct);
            var groups = perArm
                ? allocations.GroupBy(a => a.Value).OrderBy(g => g.Key).Select(g => new ConsortGroup(g.Key,
                    ConsortFlow.Count(g.Select(a => a.Key).ToList(), facts.Where(f => allocations[f.ClusterId] == g.Key).ToList(), codes))).ToList()
                : [new ConsortGroup("all", ConsortFlow.Count(allocations.Keys.ToList(), facts, codes))];
            if (perArm && allocations.Count > 0)
                await access.RecordAsync(query.TrialId, "report", null, "CONSORT flow per arm", ct);
            return new ConsortReport(perArm, final?.Code, primary, clusterCount - allocations.Count, groups);
        }

        public async ValueTask<BlindingReport> Handle(BlindingQuery query, CancellationToken ct)
        {
            var guesses = await db.BlindingGuesses.AsNoTracking().Where(g => g.TrialId == query.TrialId).ToListAsync(ct);
            var breaches = await db.BlindingBreaches.CountAsync(b => b.TrialId == query.TrialId, ct);
            var byTimepoint = guesses.GroupBy(g => g.TimepointCode).ToDictionary(g => g.Key, g => g.Count());
            var dontKnow = guesses.Count(g => g.Guess == AssessorBlinding.DontKnow);
            var locked = await db.Trials.Where(t => t.Id == query.TrialId).Select(t => t.Status).SingleAsync(ct) == TrialStatus.Locked;
            if (!locked || !await blinding.SeesEveryArmAsync(ct))
                return new BlindingReport(guesses.Count, dontKnow, breaches, byTimepoint, null);

            var arms = await db.TrialArms.AsNoTracking().Where(a => a.TrialId == query.TrialId).OrderBy(a => a.Position).Select(a => a.Code).ToListAsync(ct);
            var truth = await db.Participants.AsNoTracking().Where(p => p.TrialId == query.TrialId)
                .Join(db.Allocations, p => p.ClusterId, a => a.ClusterId, (p, a) => new { p.Id, a.Arm }).ToDictionaryAsync(x => x.Id, x => x.Arm, ct);
            var perArm = arms.Select(arm =>
            {
                var own = guesses.Where(g => truth.GetValueOrDefault(g.ParticipantId) == arm).ToList();
                var counts = arms.Append(AssessorBlinding.DontKnow).ToDictionary(a => a, a => own.Count(g => g.Guess == a));
                var correct = counts[arm];
                var unknown = counts[AssessorBlinding.DontKnow];
                return new ArmGuesses(arm, counts, BangIndex.Compute(correct, own.Count - correct - unknown, unknown));
            }).ToList();
            await access.RecordAsync(query.TrialId, "report", null, "blinding report with true arms", ct);
            return new BlindingReport(guesses.Count, dontKnow, breaches, byTimepoint, perArm);
        }
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/reports/consort", async (Guid trialId, string? primaryInstrument, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ConsortQuery(trialId, primaryInstrument), ct)))
            .WithName("GetConsortReport")
            .WithSummary("CONSORT flow for a cluster trial: per arm for unblinded readers, pooled for everyone else")
            .TrialRead();
        trial.MapGet("/reports/blinding", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new BlindingQuery(trialId), ct)))
            .WithName("GetBlindingReport")
            .WithSummary("Assessor blinding: counts; after lock, for unblinded readers, guesses against true arms and Bang's index")
            .TrialRead();
    }
}
