using System.Security.Cryptography;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// The diagnostics of a constrained design without allocating anything, for the trial's clusters as they are now:
/// candidate and constrained counts, the cutoff score, the score histogram and, for every pair of clusters, the
/// share of constrained allocations that put them in the same arm. No arm is involved, so the blinded trial
/// statistician can use it to tune the cutoff and the covariates before the scheme is sealed.
/// </summary>
public static class PreviewScheme
{
    public sealed record Query(Guid TrialId, SchemeBody? Body) : IQuery<PreviewView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.PreviewScheme;
    }

    public sealed record PairView(Guid ClusterA, Guid ClusterB, string CodeA, string CodeB, double SameArmShare);

    public sealed record PreviewView(long CandidateCount, long ConstrainedCount, bool Exhaustive, double CutoffScore,
        IReadOnlyList<ConstrainedHistogramBin> Histogram, IReadOnlyList<PairView> Pairs, IReadOnlyList<string> Warnings);

    public sealed class Handler(TrialManagerDbContext db) : IQueryHandler<Query, PreviewView>
    {
        public async ValueTask<PreviewView> Handle(Query query, CancellationToken ct)
        {
            SchemeDefinition definition;
            if (query.Body is { Method: not null } body)
                definition = await SchemeDesign.ParseAsync(db, query.TrialId, body, ct);
            else
                definition = SchemeDefinition.FromJson((await db.RandomisationSchemes.AsNoTracking().SingleOrDefaultAsync(s => s.TrialId == query.TrialId, ct)
                    ?? throw ProblemException.Conflict("There is no draft scheme to preview; send one.")).Settings);
            if (definition.Method != SchemeDefinition.Constrained)
                throw ProblemException.Invalid("method", "constrained", "Preview computes the diagnostics of constrained randomisation.");
            var arms = await db.TrialArms.AsNoTracking().Where(a => a.TrialId == query.TrialId).OrderBy(a => a.Position)
                .Select(a => new ArmRatio(a.Code, a.Ratio)).ToListAsync(ct);
            var clusters = (await db.Clusters.AsNoTracking().Include(c => c.Site).Where(c => c.TrialId == query.TrialId).ToListAsync(ct))
                .OrderBy(c => c.Code, StringComparer.Ordinal).ToList();
            if (clusters.Count < 2)
                throw ProblemException.Conflict("Preview needs at least two clusters.");
            // A sample (when there are too many candidates) is drawn from a fresh random seed: nothing here is kept.
            var random = new SealedRandom(RandomNumberGenerator.GetBytes(SealedRandom.SeedBytes));
            var result = await Task.Run(() => ConstrainedAllocation.Run(definition, arms, clusters, random, allocate: false), ct);
            return new PreviewView(result.CandidateCount, result.ConstrainedCount, result.Exhaustive, result.CutoffScore, result.Histogram,
                result.Pairs.Select(p => new PairView(clusters[p.A].Id, clusters[p.B].Id, p.ClusterA, p.ClusterB, p.SameArmShare)).ToList(),
                result.Warnings);
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/randomisation/preview", async (Guid trialId,
                [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] SchemeBody? body,
                IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new Query(trialId, body), ct)))
            .WithName("PreviewScheme")
            .WithSummary("Diagnostics of a constrained scheme (the body, or the draft) without allocating")
            .TrialRead().ProducesErrors(400, 409, 422).SafeToRepeatPost();
}
