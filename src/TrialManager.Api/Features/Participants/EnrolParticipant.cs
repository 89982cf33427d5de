using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Participants;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Participants;

/// <summary>A researcher enrols a participant into a cluster at one of their own sites (a trial manager at any site).</summary>
public static class EnrolParticipant
{
    public sealed record Command(string? ExternalId, Guid? ClusterId, ParticipantKind? Kind, DateOnly? ConsentDate, DateOnly? BaselineDate,
        string? Reason) : ICommand<ParticipantView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.EnrolParticipants;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.ExternalId).IsCode();
            RuleFor(c => c.ClusterId).NotEmpty();
            RuleFor(c => c.Kind).NotNull();
            RuleFor(c => c.ConsentDate).NotNull();
            RuleFor(c => c.BaselineDate).NotNull();
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, TimeProvider clock, ParticipantViews views)
        : ICommandHandler<Command, ParticipantView>
    {
        public async ValueTask<ParticipantView> Handle(Command command, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var violations = ParticipantRules.CheckDates(command.ConsentDate!.Value, command.BaselineDate!.Value, DateOnly.FromDateTime(now.UtcDateTime));
            if (violations.Count > 0)
                throw ProblemException.Invalid(violations);
            var siteId = await SiteOfVisibleClusterAsync(db, caller, command.ClusterId!.Value, ct);
            var participant = new Participant
            {
                Id = Guid.CreateVersion7(now),
                TrialId = command.TrialId,
                ClusterId = command.ClusterId.Value,
                ExternalId = command.ExternalId!,
                Kind = command.Kind!.Value,
                ConsentDate = command.ConsentDate.Value,
                BaselineDate = command.BaselineDate.Value,
                Status = ParticipantStatus.Active,
                CreatedAt = now,
            };
            db.Participants.Add(participant);
            return (await views.OfAsync([(participant, siteId)], withHistory: false, "participant", ct))[0];
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/participants", async (Guid trialId, Command command, IMediator mediator, CancellationToken ct) =>
            {
                var participant = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/participants/{participant.Id}", participant);
            })
            .WithName("EnrolParticipant")
            .WithSummary("Enrol a participant (researcher at the cluster's site, or trial manager)")
            .TrialWrite();

    /// <summary>The site of a cluster the caller may enrol into (or move a participant to); any other cluster is refused as unknown.</summary>
    internal static async Task<Guid> SiteOfVisibleClusterAsync(TrialManagerDbContext db, TrialCaller caller, Guid clusterId, CancellationToken ct) =>
        await SiteScope.Clusters(db, caller).Where(c => c.Id == clusterId).Select(c => (Guid?)c.SiteId).SingleOrDefaultAsync(ct)
        ?? throw ProblemException.Invalid("clusterId", "exists", "No such cluster among the sites you work at.");
}
