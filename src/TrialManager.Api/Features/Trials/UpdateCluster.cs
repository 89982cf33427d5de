using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Trials;

/// <summary>Corrects a cluster's code, site or covariates (the covariates given replace the old set).</summary>
public static class UpdateCluster
{
    public sealed record Command(string? Code, Guid? SiteId, IReadOnlyDictionary<string, JsonElement>? Covariates, string? Reason)
        : ICommand<ClusterView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid ClusterId { get; init; }

        public static TrialPermission Permission => TrialPermission.ConfigureClusters;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Code).IsCode().When(c => c.Code is not null);
            RuleFor(c => c.SiteId).NotEqual(Guid.Empty);
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed class Handler(TrialManagerDbContext db) : ICommandHandler<Command, ClusterView>
    {
        public async ValueTask<ClusterView> Handle(Command command, CancellationToken ct)
        {
            var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.TrialId == command.TrialId && c.Id == command.ClusterId, ct)
                ?? throw ProblemException.NotFound("cluster");
            // Covariates and site fed the randomisation: once the cluster is allocated they are part of the record.
            if ((command.Covariates is not null || command.SiteId is not null)
                && await db.Allocations.AnyAsync(a => a.TrialId == command.TrialId && a.ClusterId == cluster.Id, ct))
                throw ProblemException.Conflict("The cluster is randomised: its site and covariates can no longer change.");
            if (command.Covariates is not null)
            {
                var covariates = CovariateRules.Parse(command.Covariates);
                CovariateRules.EnsureConsistent(covariates, await db.Clusters
                    .Where(c => c.TrialId == command.TrialId && c.Id != cluster.Id).Select(c => c.Covariates).ToListAsync(ct));
                cluster.Covariates = covariates;
            }
            if (command.SiteId is { } siteId)
            {
                await ClusterChecks.EnsureSiteInTrial(db, command.TrialId, siteId, ct);
                cluster.SiteId = siteId;
            }
            if (command.Code is not null)
                cluster.Code = command.Code;
            return ClusterView.Of(cluster);
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPatch("/clusters/{clusterId:guid}", async (Guid trialId, Guid clusterId, Command command, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(command with { TrialId = trialId, ClusterId = clusterId }, ct)))
            .WithName("UpdateCluster")
            .WithSummary("Correct a cluster (trial manager)")
            .TrialWrite();
}
