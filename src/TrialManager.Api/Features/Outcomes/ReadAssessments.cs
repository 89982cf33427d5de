using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>A participant's assessments with their scores and status (no arm: assessments are blind).</summary>
public static class ReadAssessments
{
    public sealed record Query(Guid TrialId, Guid ParticipantId) : IQuery<AssessmentList>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadAssessments;
    }

    /// <summary>All of them in one page: `nextCursor` is always null, as for every list's last page.</summary>
    public sealed record AssessmentList(IReadOnlyList<AssessmentView> Items, string? NextCursor = null);

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller) : IQueryHandler<Query, AssessmentList>
    {
        public async ValueTask<AssessmentList> Handle(Query query, CancellationToken ct)
        {
            if (!await SiteScope.Participants(db, caller).AnyAsync(p => p.Id == query.ParticipantId, ct))
                throw ProblemException.NotFound("participant");
            return new AssessmentList((await db.Assessments.AsNoTracking().Where(a => a.ParticipantId == query.ParticipantId)
                .OrderBy(a => a.Id).ToListAsync(ct)).Select(AssessmentView.Of).ToList());
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapGet("/participants/{participantId:guid}/assessments", async (Guid trialId, Guid participantId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new Query(trialId, participantId), ct)))
            .WithName("ListAssessments")
            .WithSummary("A participant's assessments with scores and status")
            .TrialRead();
}
