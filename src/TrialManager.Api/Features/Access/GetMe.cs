using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Access;

/// <summary>Who the caller is: their user, system role, and role (and sites) in each trial.</summary>
public static class GetMe
{
    public sealed record TrialRoleView(Guid TrialId, string TrialCode, TrialRole Role, IReadOnlyList<Guid> SiteIds);

    public sealed record MeView(Guid Id, string UserName, string DisplayName, string Email, string? SystemRole, IReadOnlyList<TrialRoleView> Trials);

    public sealed record Query : IQuery<MeView>;

    public sealed class Handler(TrialManagerDbContext db, CurrentUser caller) : IQueryHandler<Query, MeView>
    {
        public async ValueTask<MeView> Handle(Query query, CancellationToken ct)
        {
            var userId = caller.Id;
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, ct);
            var roles = await db.TrialMemberships.AsNoTracking().Where(m => m.UserId == userId)
                .Join(db.Trials, m => m.TrialId, t => t.Id, (m, t) => new { t.Id, t.Code, m.Role, m.SiteIds })
                .OrderBy(r => r.Code).ToListAsync(ct);
            return new MeView(user.Id, user.UserName, user.DisplayName, user.Email, user.IsSystemAdmin ? SystemRoles.Admin : null,
                roles.Select(r => new TrialRoleView(r.Id, r.Code, r.Role, r.SiteIds)).ToList());
        }
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/me", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new Query(), ct)))
            .WithName("GetMe")
            .WithSummary("The caller: user, system role, trial roles and sites");
}
