namespace TrialManager.Data.Trials;

public sealed class Trial : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public required string Code { get; set; }
    public required string Title { get; set; }
    public string? Registration { get; set; }
    public TrialStatus Status { get; set; }
    public DateTimeOffset StatusChangedAt { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public List<TrialArm> Arms { get; init; } = [];

    Guid ITrialOwned.TrialId => Id;
}
