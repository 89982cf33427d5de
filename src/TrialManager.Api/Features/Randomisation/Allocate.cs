using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Randomisation;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Telemetry;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// Allocates a cluster (sequential methods) or a set of clusters at once (constrained) by the sealed scheme.
/// Allocations of one trial are serialised by the access check's exclusive lock on the trial row, and unique indexes
/// refuse a second allocation of a cluster, a reused draw or a reused sequence position, so several API instances
/// cannot race.
/// </summary>
public static class Allocate
{
    public sealed record Command(Guid? ClusterId, IReadOnlyList<Guid>? ClusterIds, string? Reason) : ICommand<AllocationList>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.Allocate;
    }

    public sealed class Handler(TrialManagerDbContext db, CurrentUser user, TimeProvider clock) : ICommandHandler<Command, AllocationList>
    {
        public async ValueTask<AllocationList> Handle(Command command, CancellationToken ct)
        {
            var scheme = await db.RandomisationSchemes.AsNoTracking().SingleOrDefaultAsync(s => s.TrialId == command.TrialId, ct);
            if (scheme is not { IsSealed: true })
                throw ProblemException.Conflict("Allocation needs a sealed randomisation scheme.");
            var definition = SchemeDefinition.FromJson(scheme.Settings);
            var arms = await db.TrialArms.AsNoTracking().Where(a => a.TrialId == command.TrialId).OrderBy(a => a.Position)
                .Select(a => new ArmRatio(a.Code, a.Ratio)).ToListAsync(ct);
            var random = new SealedRandom(scheme.Seed!);

            var requested = RequestedClusters(command, definition);
            var clusters = await db.Clusters.AsNoTracking().Include(c => c.Site)
                .Where(c => c.TrialId == command.TrialId && requested.Contains(c.Id)).ToListAsync(ct);
            if (clusters.Count != requested.Count)
                throw ProblemException.Invalid(command.ClusterId is null ? "clusterIds" : "clusterId", "exists", "No such cluster in this trial.");
            if (await db.Allocations.AnyAsync(a => a.TrialId == command.TrialId && requested.Contains(a.ClusterId), ct))
                throw ProblemException.Conflict("The cluster is already allocated; an allocation is never repeated.");
            var draw = await db.Allocations.CountAsync(a => a.TrialId == command.TrialId, ct) + 1;

            var now = clock.GetUtcNow();
            Allocation New(Cluster cluster, int drawNumber, string arm, string? stratum = null, int? position = null, object? evidence = null) => new()
            {
                Id = Guid.CreateVersion7(now), TrialId = command.TrialId, ClusterId = cluster.Id, Draw = drawNumber, Arm = arm, Stratum = stratum,
                Position = position, Evidence = evidence is null ? null : JsonSerializer.Serialize(evidence, JsonSerializerOptions.Web),
                AllocatedAt = now, AllocatedBy = user.Id,
            };

            List<Allocation> allocations;
            switch (definition.Method)
            {
                case SchemeDefinition.Simple:
                    allocations = [New(clusters[0], draw, SimpleRandomisation.Draw(arms, random, draw))];
                    break;
                case SchemeDefinition.StratifiedBlock:
                    var cluster = clusters[0];
                    var stratum = Strata.KeyOf(definition.Strata!, Strata.Levels(cluster, cluster.Site!.Code))
                        ?? throw ProblemException.Invalid("clusterId", "stratifiable", $"The cluster lacks a covariate the strata need ({string.Join(", ", definition.Strata!)}).");
                    var position = await db.Allocations.CountAsync(a => a.TrialId == command.TrialId && a.Stratum == stratum, ct) + 1;
                    allocations = [New(cluster, draw, BlockSequence.ArmAt(arms, definition.BlockSizes!, random, stratum, position), stratum, position)];
                    break;
                case SchemeDefinition.Minimisation:
                    allocations = [await MinimiseAsync(command.TrialId, definition, arms, random, clusters[0], draw, New, ct)];
                    break;
                default:
                    if (await db.Allocations.AnyAsync(a => a.TrialId == command.TrialId, ct))
                        throw ProblemException.Conflict("Constrained randomisation allocates its clusters once, all together.");
                    allocations = ConstrainedAllocation.Allocate(definition, arms, random, clusters, draw, New);
                    break;
            }
            db.Allocations.AddRange(allocations);
            return new AllocationList(allocations.Select(AllocationView.Of).ToList());
        }

        private static List<Guid> RequestedClusters(Command command, SchemeDefinition definition)
        {
            if (definition.Method == SchemeDefinition.Constrained)
            {
                if (command.ClusterIds is not { Count: >= 2 } ids || command.ClusterId is not null)
                    throw ProblemException.Invalid("clusterIds", "all-at-once", "Constrained randomisation allocates a set of clusters at once: give 'clusterIds'.");
                if (ids.Distinct().Count() != ids.Count)
                    throw ProblemException.Invalid("clusterIds", "unique", "A cluster is listed once.");
                return ids.ToList();
            }
            if (command.ClusterId is not { } id || command.ClusterIds is not null)
                throw ProblemException.Invalid(command.ClusterIds is not null ? "clusterIds" : "clusterId", "one-at-a-time",
                    "This scheme allocates one cluster at a time: give 'clusterId' only.");
            return [id];
        }

        private async Task<Allocation> MinimiseAsync(Guid trialId, SchemeDefinition definition, IReadOnlyList<ArmRatio> arms, SealedRandom random,
            Cluster cluster, int draw, Func<Cluster, int, string, string?, int?, object?, Allocation> create, CancellationToken ct)
        {
            var factors = definition.Factors!.Select(f => new Minimisation.Factor(f.Name!, f.Weight!.Value)).ToList();
            var levels = Strata.Levels(cluster, cluster.Site!.Code);
            var missing = factors.Where(f => !levels.ContainsKey(f.Name)).Select(f => f.Name).ToList();
            if (missing.Count > 0)
                throw ProblemException.Invalid("clusterId", "has-factors", $"The cluster lacks the factor(s) {string.Join(", ", missing)}.");
            var allocated = await db.Allocations.AsNoTracking().Where(a => a.TrialId == trialId)
                .Join(db.Clusters.Include(c => c.Site), a => a.ClusterId, c => c.Id, (a, c) => new { a.Arm, Cluster = c })
                .ToListAsync(ct);
            var history = allocated.Select(a => new Minimisation.Allocated(a.Arm, Strata.Levels(a.Cluster, a.Cluster.Site!.Code))).ToList();
            var decision = Minimisation.Decide(arms, factors, definition.Imbalance!, definition.Probability!.Value, history, levels, random, draw);
            return create(cluster, draw, decision.Arm, null, null, new { imbalance = decision.Imbalance, rule = decision.Rule });
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/randomisation/allocations", async (Guid trialId, Command command, IMediator mediator, TrialManagerMetrics metrics,
                IdempotentRequest idempotency, CancellationToken ct) =>
            {
                var allocated = await mediator.Send(command with { TrialId = trialId }, ct);
                if (!idempotency.Replayed)
                    metrics.Allocated(allocated.Items.Count);
                return TypedResults.Created($"/api/v1/trials/{trialId}/randomisation/allocations", allocated);
            })
            .WithName("Allocate")
            .WithSummary("Allocate a cluster ({clusterId}) or, for constrained randomisation, clusters at once ({clusterIds}) (trial manager)")
            .TrialWrite();
}
