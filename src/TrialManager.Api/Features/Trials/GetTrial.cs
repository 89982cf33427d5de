using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;

namespace TrialManager.Api.Features.Trials;

public static class GetTrial
{
    public sealed record Query(Guid TrialId) : IQuery<TrialView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadTrial;
    }

    public sealed class Handler(TrialManagerDbContext db) : IQueryHandler<Query, TrialView>
    {
        public async ValueTask<TrialView> Handle(Query query, CancellationToken ct) =>
            TrialView.Of(await db.Trials.AsNoTracking().Include(t => t.Arms).SingleAsync(t => t.Id == query.TrialId, ct));
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/trials/{trialId:guid}", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(trialId), ct)))
            .WithName("GetTrial")
            .WithSummary("Read a trial")
            .TrialRead();
}
