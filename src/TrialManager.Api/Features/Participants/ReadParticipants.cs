using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Participants;

namespace TrialManager.Api.Features.Participants;

/// <summary>Participants, narrowed to a researcher's sites: another site's participant is a 404, not a 403 that confirms it.</summary>
public static class ReadParticipants
{
    /// <summary>
    /// ?siteId=&amp;clusterId=&amp;status=&amp;kind=&amp;externalId= (status and kind as kebab-case words). The external id
    /// matches exactly: it is what a researcher types from a paper form to find the participant, and a near miss
    /// (another case, a longer id) is another participant.
    /// </summary>
    public sealed record Filter(Guid? SiteId, Guid? ClusterId, string? Status, string? Kind, string? ExternalId);

    public sealed record ListQuery(Guid TrialId, Filter Filter, PageRequest Page) : IQuery<Page<ParticipantView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadParticipants;
    }

    public sealed record GetQuery(Guid TrialId, Guid ParticipantId) : IQuery<ParticipantView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadParticipants;
    }

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, PagingOptions paging, ParticipantViews views)
        : IQueryHandler<ListQuery, Page<ParticipantView>>, IQueryHandler<GetQuery, ParticipantView>
    {
        public async ValueTask<Page<ParticipantView>> Handle(ListQuery query, CancellationToken ct)
        {
            var (siteId, clusterId, _, _, externalId) = query.Filter;
            var status = QueryWords.Parse<ParticipantStatus>(query.Filter.Status, "status");
            var kind = QueryWords.Parse<ParticipantKind>(query.Filter.Kind, "kind");
            var participants = SiteScope.Participants(db, caller).AsNoTracking().Include(p => p.Cluster).AsQueryable();
            if (siteId is not null)
                participants = participants.Where(p => p.Cluster!.SiteId == siteId);
            if (clusterId is not null)
                participants = participants.Where(p => p.ClusterId == clusterId);
            if (status is not null)
                participants = participants.Where(p => p.Status == status);
            if (kind is not null)
                participants = participants.Where(p => p.Kind == kind);
            if (!string.IsNullOrEmpty(externalId))
                participants = participants.Where(p => p.ExternalId == externalId);
            var page = await participants.ToPageAsync(query.Page, paging, p => p, ct);
            return new Page<ParticipantView>(await views.OfAsync(page.Items, withHistory: false, "participant list", ct), page.NextCursor);
        }

        public async ValueTask<ParticipantView> Handle(GetQuery query, CancellationToken ct)
        {
            var participant = await SiteScope.Participants(db, caller).AsNoTracking().Include(p => p.Cluster).Include(p => p.StatusHistory)
                .SingleOrDefaultAsync(p => p.Id == query.ParticipantId, ct) ?? throw ProblemException.NotFound("participant");
            return (await views.OfAsync([participant], withHistory: true, "participant", ct))[0];
        }
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/participants", async (Guid trialId, [AsParameters] Filter filter, [AsParameters] PageRequest page, IMediator mediator,
                    CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ListQuery(trialId, filter, page), ct)))
            .WithName("ListParticipants")
            .WithSummary("List participants (filter by site, cluster, status, kind, or find one by its exact external id)")
            .TrialRead().ProducesErrors(400, 422);
        trial.MapGet("/participants/{participantId:guid}", async (Guid trialId, Guid participantId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetQuery(trialId, participantId), ct)))
            .WithName("GetParticipant")
            .WithSummary("Read a participant with its status history")
            .TrialRead();
    }
}
