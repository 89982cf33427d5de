using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Re-computes a trial's hash chain (`verify`), and records and lists checkpoints of it. A checkpoint's head hashes,
/// kept outside the database by a monitor, also prove that nobody rewrote the chain wholesale.
/// </summary>
public static class VerifyAuditTrail
{
    public sealed record VerifyQuery(Guid TrialId) : IQuery<ChainVerification>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadAuditTrail;
    }

    public sealed record CheckpointCommand(Guid TrialId) : IQuery<CheckpointView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.CheckpointAuditTrail;
    }

    public sealed record ListCheckpointsQuery(Guid TrialId, PageRequest Page) : IQuery<Page<CheckpointView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadAuditTrail;
    }

    /// <summary>A checkpoint; a head whose hash covers a value in clear (<see cref="LegacyClearValues"/>) has none for blinded readers.</summary>
    public sealed record CheckpointView(Guid Id, DateTimeOffset CreatedAt, long EventCount, IReadOnlyList<HeadView> Heads)
    {
        public static CheckpointView Of(AuditCheckpoint c, LegacyClearValues legacy) => new(c.Id, c.CreatedAt, c.EventCount,
            AuditChainStore.ParseHeads(c.Heads)
                .Select(h => new HeadView(h.Strand, h.Sequence, legacy.HidesHash(h.Strand, h.Sequence) ? null : Convert.ToHexStringLower(h.Hash)))
                .ToList());
    }

    public sealed record HeadView(int Strand, long Sequence, string? Hash);

    public sealed class Handler(AuditChainStore store, TrialManagerDbContext db, CallerBlinding blinding, PagingOptions paging)
        : IQueryHandler<VerifyQuery, ChainVerification>, IQueryHandler<CheckpointCommand, CheckpointView>,
            IQueryHandler<ListCheckpointsQuery, Page<CheckpointView>>
    {
        public async ValueTask<ChainVerification> Handle(VerifyQuery query, CancellationToken ct) => await store.VerifyAsync(query.TrialId, ct);

        // A checkpoint is not trial data: it is written in its own transaction (not the unit of work's), and not audited.
        public async ValueTask<CheckpointView> Handle(CheckpointCommand command, CancellationToken ct) =>
            CheckpointView.Of(await store.CheckpointAsync(command.TrialId, ct), await LegacyAsync(command.TrialId, ct));

        public async ValueTask<Page<CheckpointView>> Handle(ListCheckpointsQuery query, CancellationToken ct)
        {
            var legacy = await LegacyAsync(query.TrialId, ct);
            return await db.AuditCheckpoints.AsNoTracking().Where(c => c.ChainId == query.TrialId)
                .ToPageAsync(query.Page, paging, c => CheckpointView.Of(c, legacy), ct);
        }

        private async Task<LegacyClearValues> LegacyAsync(Guid trialId, CancellationToken ct) =>
            await blinding.SeesEveryArmAsync(ct) ? LegacyClearValues.None : await LegacyClearValues.ReadAsync(db, trialId, ct);
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/audit/verify", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new VerifyQuery(trialId), ct)))
            .WithName("VerifyAuditTrail")
            .WithSummary("Re-compute the trial's audit hash chain: {valid, eventsChecked, firstBrokenEventId}")
            .TrialRead();
        trial.MapPost("/audit/checkpoints", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
            {
                var checkpoint = await mediator.Send(new CheckpointCommand(trialId), ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/audit/checkpoints/{checkpoint.Id}", checkpoint);
            })
            .WithName("CreateAuditCheckpoint")
            .WithSummary("Record a checkpoint of the chain's head now (monitors, trial managers, system admins)")
            .TrialRead().SafeToRepeatPost();
        trial.MapGet("/audit/checkpoints", async (Guid trialId, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListCheckpointsQuery(trialId, page), ct)))
            .WithName("ListAuditCheckpoints")
            .WithSummary("The chain's checkpoints, oldest first")
            .TrialRead().ProducesErrors(422);
    }
}
