using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// The allocations, and after database lock the sealed scheme itself, for those who see every arm only (unblinded
/// roles and users unblinded for the whole trial; 403 for anyone else). Each read is recorded as an access event in
/// the audit trail.
/// </summary>
public static class ReadAllocations
{
    public sealed record ListQuery(Guid TrialId, PageRequest Page) : IQuery<Page<AllocationView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadAllocations;
    }

    public sealed record RevealQuery(Guid TrialId) : IQuery<Revealed>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.RevealScheme;
    }

    /// <summary>The sealed text verbatim (its SHA-256 is the commitment), and the seed and sequences it contains.</summary>
    public sealed record Revealed(string Commitment, string Canonical, string Seed, JsonElement Sequence);

    public sealed class Handler(TrialManagerDbContext db, CallerBlinding blinding, AccessAudit access, PagingOptions paging)
        : IQueryHandler<ListQuery, Page<AllocationView>>, IQueryHandler<RevealQuery, Revealed>
    {
        public async ValueTask<Page<AllocationView>> Handle(ListQuery query, CancellationToken ct)
        {
            await blinding.RequireEveryArmAsync(ct);
            var page = await db.Allocations.AsNoTracking().Where(a => a.TrialId == query.TrialId)
                .ToPageAsync(query.Page, paging, AllocationView.Of, ct);
            await access.RecordAsync(query.TrialId, "allocation", null, $"allocation list ({page.Items.Count} allocations)", ct);
            return page;
        }

        public async ValueTask<Revealed> Handle(RevealQuery query, CancellationToken ct)
        {
            await blinding.RequireEveryArmAsync(ct);
            var status = await db.Trials.Where(t => t.Id == query.TrialId).Select(t => t.Status).SingleAsync(ct);
            if (status != TrialStatus.Locked)
                throw ProblemException.Conflict("The seed and sequences are revealed only after the trial is locked.");
            var scheme = await db.RandomisationSchemes.AsNoTracking().SingleOrDefaultAsync(s => s.TrialId == query.TrialId, ct);
            if (scheme is not { IsSealed: true })
                throw ProblemException.Conflict("The trial has no sealed randomisation scheme.");
            await access.RecordAsync(query.TrialId, "randomisation-scheme", scheme.Id, "sealed scheme revealed (seed and sequences)", ct);
            var sealedText = JsonDocument.Parse(scheme.Canonical!).RootElement;
            return new Revealed(scheme.Commitment!, scheme.Canonical!, Convert.ToHexStringLower(scheme.Seed!), sealedText.GetProperty("sequence").Clone());
        }
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/randomisation/allocations", async (Guid trialId, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(trialId, page), ct)))
            .WithName("ListAllocations")
            .WithSummary("The allocations (trial manager, unblinded statistician, users unblinded for the whole trial); every read is audited")
            .TrialRead().ProducesErrors(422);
        trial.MapGet("/randomisation/reveal", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RevealQuery(trialId), ct)))
            .WithName("RevealScheme")
            .WithSummary("After database lock: the sealed canonical text, seed and sequences, to check the commitment and replay")
            .TrialRead().ProducesErrors(409);
    }
}
