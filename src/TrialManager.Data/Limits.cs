namespace TrialManager.Data;

/// <summary>Column lengths, shared by the schema and the request validators.</summary>
public static class Limits
{
    public const int Code = 64;
    public const int Word = 32;
    public const int Title = 200;
    public const int Reason = 1000;
}
