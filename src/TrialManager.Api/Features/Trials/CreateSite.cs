using FluentValidation;
using Mediator;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Trials;

public static class CreateSite
{
    public sealed record Command(string? Code, string? Name, string? Reason) : ICommand<SiteView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.ConfigureSites;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Code).IsCode();
            RuleFor(c => c.Name).IsTitle();
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock) : ICommandHandler<Command, SiteView>
    {
        public ValueTask<SiteView> Handle(Command command, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var site = new Site { Id = Guid.CreateVersion7(now), TrialId = command.TrialId, Code = command.Code!, Name = command.Name!, CreatedAt = now };
            db.Sites.Add(site);
            return ValueTask.FromResult(SiteView.Of(site));
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/sites", async (Guid trialId, Command command, IMediator mediator, CancellationToken ct) =>
            {
                var site = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/sites/{site.Id}", site);
            })
            .WithName("CreateSite")
            .WithSummary("Add a site (trial manager)")
            .TrialWrite();
}
