using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Trials;

public static class CreateCluster
{
    public sealed record Command(string? Code, Guid? SiteId, IReadOnlyDictionary<string, JsonElement>? Covariates, string? Reason)
        : ICommand<ClusterView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.ConfigureClusters;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Code).IsCode();
            RuleFor(c => c.SiteId).NotEmpty();
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock) : ICommandHandler<Command, ClusterView>
    {
        public async ValueTask<ClusterView> Handle(Command command, CancellationToken ct)
        {
            var covariates = CovariateRules.Parse(command.Covariates);
            await ClusterChecks.EnsureSiteInTrial(db, command.TrialId, command.SiteId!.Value, ct);
            CovariateRules.EnsureConsistent(covariates,
                await db.Clusters.Where(c => c.TrialId == command.TrialId).Select(c => c.Covariates).ToListAsync(ct));
            var now = clock.GetUtcNow();
            var cluster = new Cluster
            {
                Id = Guid.CreateVersion7(now), TrialId = command.TrialId, SiteId = command.SiteId.Value, Code = command.Code!,
                Covariates = covariates, CreatedAt = now,
            };
            db.Clusters.Add(cluster);
            return ClusterView.Of(cluster);
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/clusters", async (Guid trialId, Command command, IMediator mediator, CancellationToken ct) =>
            {
                var cluster = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/clusters/{cluster.Id}", cluster);
            })
            .WithName("CreateCluster")
            .WithSummary("Add a cluster (team) with its covariates (trial manager)")
            .TrialWrite();
}

internal static class ClusterChecks
{
    public static async Task EnsureSiteInTrial(TrialManagerDbContext db, Guid trialId, Guid siteId, CancellationToken ct)
    {
        if (!await db.Sites.AnyAsync(s => s.TrialId == trialId && s.Id == siteId, ct))
            throw ProblemException.Invalid("siteId", "exists", "No such site in this trial.");
    }
}
