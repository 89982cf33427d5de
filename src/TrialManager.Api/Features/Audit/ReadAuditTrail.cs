using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// The monitor's view of a trial's audit trail: filtered, keyset-paged newest or oldest first, or streamed whole
/// as CSV or JSON Lines. Monitors, trial managers and system admins read it; blinded readers see allocation values redacted.
/// </summary>
public static class ReadAuditTrail
{
    /// <summary>?entityType=&amp;entityId=&amp;actor=&amp;action=&amp;from=&amp;to=&amp;order=newest|oldest</summary>
    public sealed record Filter(string? EntityType, Guid? EntityId, Guid? Actor, string? Action, DateTimeOffset? From, DateTimeOffset? To,
        string? Order);

    public sealed record ListQuery(Guid TrialId, Filter Filter, PageRequest Page) : IQuery<Page<AuditEventView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadAuditTrail;
    }

    public sealed record ExportQuery(Guid TrialId, Filter Filter) : IQuery<IAsyncEnumerable<AuditEventView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadAuditTrail;
    }

    public sealed class Handler(TrialManagerDbContext db, CallerBlinding blinding, PagingOptions paging)
        : IQueryHandler<ListQuery, Page<AuditEventView>>, IQueryHandler<ExportQuery, IAsyncEnumerable<AuditEventView>>
    {
        public async ValueTask<Page<AuditEventView>> Handle(ListQuery query, CancellationToken ct)
        {
            var seesEveryArm = await blinding.SeesEveryArmAsync(ct);
            var legacy = seesEveryArm ? null : await LegacyClearValues.ReadAsync(db, query.TrialId, ct);
            return await Filtered(query.TrialId, query.Filter)
                .ToPageAsync(query.Page, paging, e => AuditEventView.Of(e, seesEveryArm, legacy), ct, NewestFirst(query.Filter));
        }

        public async ValueTask<IAsyncEnumerable<AuditEventView>> Handle(ExportQuery query, CancellationToken ct)
        {
            var seesEveryArm = await blinding.SeesEveryArmAsync(ct);
            var legacy = seesEveryArm ? null : await LegacyClearValues.ReadAsync(db, query.TrialId, ct);
            var events = Filtered(query.TrialId, query.Filter);
            events = NewestFirst(query.Filter) ? events.OrderByDescending(e => e.Id) : events.OrderBy(e => e.Id);
            return events.AsAsyncEnumerable().Select(e => AuditEventView.Of(e, seesEveryArm, legacy));
        }

        private IQueryable<AuditEvent> Filtered(Guid trialId, Filter filter) => Matching(db, trialId, filter);
    }

    /// <summary>The system chain (users and tokens, which belong to no trial), for system admins.</summary>
    public sealed record SystemListQuery(Filter Filter, PageRequest Page) : IQuery<Page<AuditEventView>>;

    public sealed record SystemVerifyQuery : IQuery<ChainVerification>;

    public sealed class SystemHandler(TrialManagerDbContext db, AuditChainStore store, PagingOptions paging)
        : IQueryHandler<SystemListQuery, Page<AuditEventView>>, IQueryHandler<SystemVerifyQuery, ChainVerification>
    {
        public async ValueTask<Page<AuditEventView>> Handle(SystemListQuery query, CancellationToken ct) =>
            await Matching(db, AuditChains.System, query.Filter)
                .ToPageAsync(query.Page, paging, e => AuditEventView.Of(e, seesEveryArm: false), ct, NewestFirst(query.Filter));

        public async ValueTask<ChainVerification> Handle(SystemVerifyQuery query, CancellationToken ct) =>
            await store.VerifyAsync(AuditChains.System, ct);
    }

    /// <summary>The events of one chain that match the filter.</summary>
    internal static IQueryable<AuditEvent> Matching(TrialManagerDbContext db, Guid chainId, Filter filter)
    {
        var events = db.AuditEvents.AsNoTracking().Where(e => e.ChainId == chainId);
        if (filter.EntityType is { Length: > 0 } type)
            events = events.Where(e => e.EntityType == type);
        if (filter.EntityId is { } entityId)
            events = events.Where(e => e.EntityId == entityId);
        if (filter.Actor is { } actor)
            events = events.Where(e => e.ActorUserId == actor);
        if (filter.Action is { Length: > 0 } action)
            events = events.Where(e => e.Action == action);
        if (filter.From is { } from)
            events = events.Where(e => e.OccurredAt >= from.ToUniversalTime());
        if (filter.To is { } to)
            events = events.Where(e => e.OccurredAt < to.ToUniversalTime());
        return events;
    }

    internal static bool NewestFirst(Filter filter) => filter.Order switch
    {
        null or "" or "newest" => true,
        "oldest" => false,
        _ => throw ProblemException.Invalid("order", "one-of", "'order' is newest or oldest."),
    };

    public static void MapSystem(IEndpointRouteBuilder api)
    {
        api.MapGet("/audit/system", async ([AsParameters] Filter filter, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new SystemListQuery(filter, page), ct)))
            .RequireAuthorization(AccessPolicies.SystemAdmin)
            .WithName("ListSystemAuditEvents")
            .WithSummary("The audit trail of users and tokens (system admins)")
            .ProducesErrors(400, 403, 422);
        api.MapGet("/audit/system/verify", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new SystemVerifyQuery(), ct)))
            .RequireAuthorization(AccessPolicies.SystemAdmin)
            .WithName("VerifySystemAuditTrail")
            .WithSummary("Re-compute the hash chain of users and tokens (system admins)")
            .ProducesErrors(403);
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/audit", async (Guid trialId, [AsParameters] Filter filter, [AsParameters] PageRequest page, IMediator mediator,
                    CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ListQuery(trialId, filter, page), ct)))
            .WithName("ListAuditEvents")
            .WithSummary("The trial's audit trail (monitors, trial managers, system admins)")
            .TrialRead().ProducesErrors(400, 422);
        trial.MapGet("/audit/export", async (Guid trialId, string? format, [AsParameters] Filter filter, IMediator mediator, HttpContext http,
                    CancellationToken ct) =>
                {
                    var jsonLines = format switch
                    {
                        "jsonl" or "ndjson" => true,
                        null or "csv" => false,
                        _ => throw ProblemException.Invalid("format", "one-of", "'format' is csv or jsonl."),
                    };
                    var events = await mediator.Send(new ExportQuery(trialId, filter), ct);
                    await (jsonLines ? WriteJsonLinesAsync(http, trialId, events, ct) : WriteCsvAsync(http, trialId, events, ct));
                })
            .WithName("ExportAuditEvents")
            .WithSummary("Stream the filtered audit trail as CSV (default) or JSON Lines (?format=jsonl)")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv", additionalContentTypes: "application/x-ndjson")
            .TrialRead().ProducesErrors(400, 422);
    }

    private static async Task WriteJsonLinesAsync(HttpContext http, Guid trialId, IAsyncEnumerable<AuditEventView> events, CancellationToken ct)
    {
        Start(http, "application/x-ndjson", $"audit-{trialId}.jsonl");
        var newline = "\n"u8.ToArray();
        await foreach (var e in events.WithCancellation(ct))
        {
            await JsonSerializer.SerializeAsync(http.Response.Body, e, JsonSerializerOptions.Web, ct);
            await http.Response.Body.WriteAsync(newline, ct);
        }
    }

    private static async Task WriteCsvAsync(HttpContext http, Guid trialId, IAsyncEnumerable<AuditEventView> events, CancellationToken ct)
    {
        Start(http, "text/csv", $"audit-{trialId}.csv");
        await using var csv = CsvWriter.Create(http.Response.Body, CsvWriterOptions.Default, leaveOpen: true);
        // Every input of each event's hash is a column, so that an auditor can re-compute the chain from this file alone.
        await csv.WriteRecordAsync(["id", "chainId", "trialId", "strand", "sequence", "occurredAt", "action", "entityType", "entityId", "changes",
            "actorUserId", "actorRole", "requestId", "reason", "reasonCommitment", "reasonSalt", "canonicalVersion", "previousHash", "hash"], ct);
        await foreach (var e in events.WithCancellation(ct))
            await csv.WriteRecordAsync([e.Id.ToString(), e.ChainId.ToString(), e.TrialId?.ToString(), e.Strand.ToString(CultureInfo.InvariantCulture),
                e.Sequence.ToString(CultureInfo.InvariantCulture), AuditChain.Timestamp(e.OccurredAt), e.Action, e.EntityType, e.EntityId?.ToString(),
                AuditRedaction.ToJson(e.Changes), e.Actor.UserId?.ToString(), e.Actor.Role, e.RequestId, e.Reason, e.ReasonCommitment, e.ReasonSalt,
                e.CanonicalVersion, e.PreviousHash, e.Hash], ct);
        await csv.FlushAsync(ct);
    }

    private static void Start(HttpContext http, string contentType, string fileName)
    {
        http.Response.ContentType = contentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
    }
}
