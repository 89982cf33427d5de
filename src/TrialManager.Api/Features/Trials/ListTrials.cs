using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Trials;

/// <summary>The trials the caller is a member of; a system admin sees every trial (to set it up and grant roles).</summary>
public static class ListTrials
{
    public sealed record Query(TrialStatus? Status, PageRequest Page) : IQuery<Page<TrialView>>;

    public sealed class Handler(TrialManagerDbContext db, CurrentUser user, PagingOptions paging) : IQueryHandler<Query, Page<TrialView>>
    {
        public async ValueTask<Page<TrialView>> Handle(Query query, CancellationToken ct)
        {
            var userId = user.Id;
            var trials = db.Trials.AsNoTracking().Include(t => t.Arms).AsQueryable();
            if (!user.IsSystemAdmin)
                trials = trials.Where(t => db.TrialMemberships.Any(m => m.TrialId == t.Id && m.UserId == userId));
            if (query.Status is { } status)
                trials = trials.Where(t => t.Status == status);
            return await trials.ToPageAsync(query.Page, paging, TrialView.Of, ct);
        }
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/trials", async (string? status, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(QueryWords.Parse<TrialStatus>(status, "status"), page), ct)))
            .WithName("ListTrials")
            .WithSummary("List the trials visible to the caller")
            .ProducesErrors(400, 422);
}
