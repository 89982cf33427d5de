using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Randomisation;
using TrialManager.Api.Infrastructure.Mediation;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>The trial manager drafts the scheme (PUT replaces the draft); once sealed it cannot change (409).</summary>
public static class DefineScheme
{
    public sealed record Command(Guid TrialId, SchemeBody Body) : ICommand<SchemeView>, ITrialRequest, IHasReason
    {
        public string? Reason => Body.Reason;
        public static TrialPermission Permission => TrialPermission.DefineScheme;
    }

    public sealed record Query(Guid TrialId) : IQuery<SchemeView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadScheme;
    }

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock) : ICommandHandler<Command, SchemeView>, IQueryHandler<Query, SchemeView>
    {
        public async ValueTask<SchemeView> Handle(Command command, CancellationToken ct)
        {
            var definition = await SchemeDesign.ParseAsync(db, command.TrialId, command.Body, ct);
            var now = clock.GetUtcNow();
            var scheme = await db.RandomisationSchemes.SingleOrDefaultAsync(s => s.TrialId == command.TrialId, ct);
            if (scheme is { IsSealed: true })
                throw ProblemException.Conflict("The randomisation scheme is sealed and cannot change.");
            if (scheme is null)
            {
                scheme = new RandomisationScheme { Id = Guid.CreateVersion7(now), TrialId = command.TrialId, Method = definition.Method, Settings = "" };
                db.RandomisationSchemes.Add(scheme);
            }
            scheme.Method = definition.Method;
            scheme.Settings = definition.ToJson();
            scheme.UpdatedAt = now;
            return SchemeView.Of(scheme);
        }

        public async ValueTask<SchemeView> Handle(Query query, CancellationToken ct) =>
            SchemeView.Of(await db.RandomisationSchemes.AsNoTracking().SingleOrDefaultAsync(s => s.TrialId == query.TrialId, ct)
                ?? throw ProblemException.NotFound("randomisation scheme"));
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapPut("/randomisation/scheme", async (Guid trialId, SchemeBody body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Command(trialId, body), ct)))
            .WithName("DefineScheme")
            .WithSummary("Draft the randomisation scheme: method and settings (trial manager)")
            .TrialWrite();
        trial.MapGet("/randomisation/scheme", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(trialId), ct)))
            .WithName("GetScheme")
            .WithSummary("The randomisation scheme's design, status and commitment (never its seed)")
            .TrialRead();
    }
}

/// <summary>What a scheme needs from its trial: arms and ratio, and the covariates its clusters have.</summary>
internal static class SchemeDesign
{
    public static async Task<SchemeDefinition> ParseAsync(TrialManagerDbContext db, Guid trialId, SchemeBody body, CancellationToken ct)
    {
        var arms = await db.TrialArms.AsNoTracking().Where(a => a.TrialId == trialId).Select(a => a.Ratio).ToListAsync(ct);
        var covariates = await db.Clusters.AsNoTracking().Where(c => c.TrialId == trialId).Select(c => c.Covariates).ToListAsync(ct);
        return SchemeDefinition.Parse(body, arms.Count, arms.Sum(), SchemeDefinition.CovariateTypes(covariates));
    }
}
