using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;

namespace TrialManager.Api.Features.Trials;

/// <summary>Sites are trial configuration, not patient data: every member (and the admin who grants roles) sees them all.</summary>
public static class ReadSites
{
    public sealed record ListQuery(Guid TrialId, PageRequest Page) : IQuery<Page<SiteView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadSites;
    }

    public sealed record GetQuery(Guid TrialId, Guid SiteId) : IQuery<SiteView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadSites;
    }

    public sealed class Handler(TrialManagerDbContext db, PagingOptions paging)
        : IQueryHandler<ListQuery, Page<SiteView>>, IQueryHandler<GetQuery, SiteView>
    {
        public async ValueTask<Page<SiteView>> Handle(ListQuery query, CancellationToken ct) =>
            await db.Sites.AsNoTracking().Where(s => s.TrialId == query.TrialId).ToPageAsync(query.Page, paging, SiteView.Of, ct);

        public async ValueTask<SiteView> Handle(GetQuery query, CancellationToken ct) =>
            SiteView.Of(await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.TrialId == query.TrialId && s.Id == query.SiteId, ct)
                ?? throw ProblemException.NotFound("site"));
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/sites", async (Guid trialId, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(trialId, page), ct)))
            .WithName("ListSites")
            .WithSummary("List the trial's sites")
            .TrialRead().ProducesErrors(422);
        trial.MapGet("/sites/{siteId:guid}", async (Guid trialId, Guid siteId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetQuery(trialId, siteId), ct)))
            .WithName("GetSite")
            .WithSummary("Read a site")
            .TrialRead();
    }
}
