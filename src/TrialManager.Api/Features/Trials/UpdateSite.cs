using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Trials;

/// <summary>A site's name can be corrected; its code identifies it in extracts and stays.</summary>
public static class UpdateSite
{
    public sealed record Command(string? Name, string? Reason) : ICommand<SiteView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid SiteId { get; init; }

        public static TrialPermission Permission => TrialPermission.ConfigureSites;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Name).IsTitle();
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed class Handler(TrialManagerDbContext db) : ICommandHandler<Command, SiteView>
    {
        public async ValueTask<SiteView> Handle(Command command, CancellationToken ct)
        {
            var site = await db.Sites.SingleOrDefaultAsync(s => s.TrialId == command.TrialId && s.Id == command.SiteId, ct)
                ?? throw ProblemException.NotFound("site");
            site.Name = command.Name!;
            return SiteView.Of(site);
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPatch("/sites/{siteId:guid}", async (Guid trialId, Guid siteId, Command command, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(command with { TrialId = trialId, SiteId = siteId }, ct)))
            .WithName("UpdateSite")
            .WithSummary("Rename a site (trial manager)")
            .TrialWrite();
}
