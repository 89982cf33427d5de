using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
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

    public sealed record ListCheckpointsQuery(Guid TrialId) : IQuery<IReadOnlyList<CheckpointView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadAuditTrail;
    }

    public sealed record CheckpointView(Guid Id, DateTimeOffset CreatedAt, long EventCount, IReadOnlyList<AuditChainStore.CheckpointHead> Heads)
    {
        public static CheckpointView Of(AuditCheckpoint c) => new(c.Id, c.CreatedAt, c.EventCount,
            AuditChainStore.ParseHeads(c.Heads).Select(h => new AuditChainStore.CheckpointHead(h.Strand, h.Sequence, Convert.ToHexStringLower(h.Hash))).ToList());
    }

    public sealed class Handler(AuditChainStore store, TrialManagerDbContext db)
        : IQueryHandler<VerifyQuery, ChainVerification>, IQueryHandler<CheckpointCommand, CheckpointView>,
            IQueryHandler<ListCheckpointsQuery, IReadOnlyList<CheckpointView>>
    {
        public async ValueTask<ChainVerification> Handle(VerifyQuery query, CancellationToken ct) => await store.VerifyAsync(query.TrialId, ct);

        // A checkpoint is not trial data: it is written in its own transaction (not the unit of work's), and not audited.
        public async ValueTask<CheckpointView> Handle(CheckpointCommand command, CancellationToken ct) =>
            CheckpointView.Of(await store.CheckpointAsync(command.TrialId, ct));

        public async ValueTask<IReadOnlyList<CheckpointView>> Handle(ListCheckpointsQuery query, CancellationToken ct) =>
            (await db.AuditCheckpoints.AsNoTracking().Where(c => c.ChainId == query.TrialId).OrderBy(c => c.Id).ToListAsync(ct))
            .Select(CheckpointView.Of).ToList();
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/audit/verify", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new VerifyQuery(trialId), ct)))
            .WithSummary("Re-compute the trial's audit hash chain: {valid, eventsChecked, firstBrokenEventId}")
            .TrialRead();
        trial.MapPost("/audit/checkpoints", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
            {
                var checkpoint = await mediator.Send(new CheckpointCommand(trialId), ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/audit/checkpoints/{checkpoint.Id}", checkpoint);
            })
            .WithSummary("Record a checkpoint of the chain's head now (monitors, trial managers, system admins)")
            .TrialRead();
        trial.MapGet("/audit/checkpoints", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListCheckpointsQuery(trialId), ct)))
            .WithSummary("The chain's checkpoints")
            .TrialRead();
    }
}
