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

namespace TrialManager.Api.Features.Trials;

/// <summary>Clusters, narrowed to a researcher's own sites: another site's cluster is simply not there (404).</summary>
public static class ReadClusters
{
    public sealed record ListQuery(Guid TrialId, Guid? SiteId, PageRequest Page) : IQuery<Page<ClusterView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadClusters;
    }

    public sealed record GetQuery(Guid TrialId, Guid ClusterId) : IQuery<ClusterView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadClusters;
    }

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, PagingOptions paging, CallerBlinding blinding, AccessAudit access)
        : IQueryHandler<ListQuery, Page<ClusterView>>, IQueryHandler<GetQuery, ClusterView>
    {
        public async ValueTask<Page<ClusterView>> Handle(ListQuery query, CancellationToken ct)
        {
            var clusters = SiteScope.Clusters(db, caller).AsNoTracking();
            if (query.SiteId is { } siteId)
                clusters = clusters.Where(c => c.SiteId == siteId);
            var page = await clusters.ToPageAsync(query.Page, paging, c => c, ct);
            return new Page<ClusterView>(await ViewsAsync(page.Items, "cluster list", ct), page.NextCursor);
        }

        public async ValueTask<ClusterView> Handle(GetQuery query, CancellationToken ct)
        {
            var cluster = await SiteScope.Clusters(db, caller).AsNoTracking().SingleOrDefaultAsync(c => c.Id == query.ClusterId, ct)
                ?? throw ProblemException.NotFound("cluster");
            return (await ViewsAsync([cluster], "cluster", ct))[0];
        }

        private async Task<IReadOnlyList<ClusterView>> ViewsAsync(IReadOnlyList<Cluster> clusters, string what, CancellationToken ct)
        {
            var allocations = await blinding.AllocationsAsync(clusters.Select(c => c.Id), ct);
            var views = clusters.Select(c => ClusterView.Of(c, allocations(c.Id, null))).ToList();
            await access.RecordArmsShownAsync("cluster", views.Where(v => v.Arm is not null).Select(v => v.Id).ToList(), what, ct);
            return views;
        }
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapGet("/clusters", async (Guid trialId, Guid? siteId, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(trialId, siteId, page), ct)))
            .WithName("ListClusters")
            .WithSummary("List clusters (a researcher sees their own sites' clusters)")
            .TrialRead().ProducesErrors(422);
        trial.MapGet("/clusters/{clusterId:guid}", async (Guid trialId, Guid clusterId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetQuery(trialId, clusterId), ct)))
            .WithName("GetCluster")
            .WithSummary("Read a cluster")
            .TrialRead();
    }
}
