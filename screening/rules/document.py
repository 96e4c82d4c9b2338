"""The intake document as frozen dataclasses, built from a dict that already passed validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class BloodPressure:
    systolic: int
    diastolic: int

    def above(self, limit: BloodPressure) -> bool:
        """True when either number is strictly above the limit's (140/90 itself is not above 140/90)."""
        return self.systolic > limit.systolic or self.diastolic > limit.diastolic

    def __str__(self) -> str:
        return f"{self.systolic}/{self.diastolic}"

    def to_dict(self) -> dict[str, int]:
        return {"systolic": self.systolic, "diastolic": self.diastolic}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BloodPressure:
        return cls(int(data["systolic"]), int(data["diastolic"]))


@dataclass(frozen=True, slots=True)
class Patient:
    date_of_birth: date
    sex_at_birth: str
    pregnancy: str
    breastfeeding: bool
    weight_kg: float | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class SuicideScreen:
    wish_to_be_dead: bool
    suicidal_thoughts: bool
    thoughts_with_method: bool
    intent: bool
    plan: bool
    behavior: str


@dataclass(frozen=True, slots=True)
class AntidepressantTrial:
    drug: str
    daily_dose_mg: float | None
    weeks_at_dose: int
    took_as_prescribed: bool
    improvement: str
    current_episode: bool


@dataclass(frozen=True, slots=True)
class PsychiatricHistory:
    psychosis: str
    schizophrenia_spectrum: bool
    mania_or_hypomania: bool


@dataclass(frozen=True, slots=True)
class MedicalHistory:
    hypertension: str
    recent_bp: BloodPressure | None
    heart_disease: bool
    arrhythmia: bool
    stroke_or_tia: bool
    aneurysm_or_avm: bool
    intracerebral_hemorrhage: bool
    seizure_disorder: bool
    brain_injury_or_mass: bool
    glaucoma_or_eye_injury: bool
    liver_disease: bool
    bladder_or_urinary_condition: bool
    hyperthyroidism_uncontrolled: bool
    ketamine_allergy: bool


@dataclass(frozen=True, slots=True)
class SubstanceUse:
    alcohol_drinks_per_week: int
    substance_use_disorder: str
    ketamine_nonmedical_use: str
    cannabis: bool
    stimulants_nonprescribed: bool
    opioids_nonprescribed: bool


@dataclass(frozen=True, slots=True)
class Medication:
    name: str
    daily_dose: str | None = None


@dataclass(frozen=True, slots=True)
class Logistics:
    ride_home_available: bool


@dataclass(frozen=True, slots=True)
class Course:
    """ECT, TMS or ketamine/esketamine: how many sessions or treatments (None: not known), and whether it helped."""

    sessions: int | None
    helped: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, count: str) -> Course | None:
        return None if data is None else cls(data[count], data["helped"])


@dataclass(frozen=True, slots=True)
class Psychotherapy:
    kinds: tuple[str, ...]
    months: int | None


@dataclass(frozen=True, slots=True)
class Augmentation:
    medicine: str
    antidepressant: str
    weeks: int | None


@dataclass(frozen=True, slots=True)
class OtherTreatments:
    """Treatments besides antidepressants (schema `intake-document/2`)."""

    episode_months: int | None
    psychotherapy: Psychotherapy | None
    ect: Course | None
    tms: Course | None
    ketamine: Course | None
    augmentation: tuple[Augmentation, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OtherTreatments:
        return cls(
            episode_months=data["episode_months"],
            psychotherapy=None
            if (p := data["psychotherapy"]) is None
            else Psychotherapy(tuple(p["kinds"]), p["months"]),
            ect=Course.from_dict(data["ect"], "sessions"),
            tms=Course.from_dict(data["tms"], "sessions"),
            ketamine=Course.from_dict(data["ketamine"], "treatments"),
            augmentation=tuple(
                Augmentation(a["medicine"], a["antidepressant"], a["weeks"]) for a in data["augmentation"]
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        def course(c: Course | None, count: str) -> dict[str, Any] | None:
            return None if c is None else {count: c.sessions, "helped": c.helped}

        return {
            "episode_months": self.episode_months,
            "psychotherapy": None
            if (p := self.psychotherapy) is None
            else {"kinds": list(p.kinds), "months": p.months},
            "ect": course(self.ect, "sessions"),
            "tms": course(self.tms, "sessions"),
            "ketamine": course(self.ketamine, "treatments"),
            "augmentation": [
                {"medicine": a.medicine, "antidepressant": a.antidepressant, "weeks": a.weeks}
                for a in self.augmentation
            ],
        }


_MEDICAL_FLAGS = (
    "heart_disease",
    "arrhythmia",
    "stroke_or_tia",
    "aneurysm_or_avm",
    "intracerebral_hemorrhage",
    "seizure_disorder",
    "brain_injury_or_mass",
    "glaucoma_or_eye_injury",
    "liver_disease",
    "bladder_or_urinary_condition",
    "hyperthyroidism_uncontrolled",
    "ketamine_allergy",
)


def _number(value: Any) -> float | None:
    # Integral floats are whole numbers in JSON Schema; keep ints as ints so messages read "150", not "150.0".
    if value is None or isinstance(value, int):
        return value
    value = float(value)
    return int(value) if value.is_integer() else value


@dataclass(frozen=True, slots=True)
class IntakeDocument:
    """One prospective patient's answers (schema `intake-document/1`, or `/2` with `other_treatments`)."""

    schema: str
    screened_on: date
    patient: Patient
    diagnoses: tuple[str, ...]
    phq9: tuple[int, ...]
    suicide_screen: SuicideScreen
    antidepressant_trials: tuple[AntidepressantTrial, ...]
    prior_ketamine_treatment: str
    psychiatric_history: PsychiatricHistory
    medical_history: MedicalHistory
    substance_use: SubstanceUse
    medications: tuple[Medication, ...]
    logistics: Logistics
    other_treatments: OtherTreatments | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IntakeDocument:
        """Build from a dict that `validate_document` accepted (it does not validate again)."""
        p = data["patient"]
        s = data["suicide_screen"]
        ph = data["psychiatric_history"]
        mh = data["medical_history"]
        su = data["substance_use"]
        bp = mh["recent_bp"]
        return cls(
            schema=data["schema"],
            screened_on=date.fromisoformat(data["screened_on"]),
            patient=Patient(
                date_of_birth=date.fromisoformat(p["date_of_birth"]),
                sex_at_birth=p["sex_at_birth"],
                pregnancy=p["pregnancy"],
                breastfeeding=p["breastfeeding"],
                weight_kg=_number(p.get("weight_kg")),
                state=p.get("state"),
            ),
            diagnoses=tuple(data["diagnoses"]),
            phq9=tuple(int(x) for x in data["phq9"]),
            suicide_screen=SuicideScreen(
                s["wish_to_be_dead"],
                s["suicidal_thoughts"],
                s["thoughts_with_method"],
                s["intent"],
                s["plan"],
                s["behavior"],
            ),
            antidepressant_trials=tuple(
                AntidepressantTrial(
                    t["drug"],
                    _number(t["daily_dose_mg"]),
                    int(t["weeks_at_dose"]),
                    t["took_as_prescribed"],
                    t["improvement"],
                    t["current_episode"],
                )
                for t in data["antidepressant_trials"]
            ),
            prior_ketamine_treatment=data["prior_ketamine_treatment"],
            psychiatric_history=PsychiatricHistory(
                ph["psychosis"], ph["schizophrenia_spectrum"], ph["mania_or_hypomania"]
            ),
            medical_history=MedicalHistory(
                mh["hypertension"],
                None if bp is None else BloodPressure.from_dict(bp),
                *(mh[key] for key in _MEDICAL_FLAGS),
            ),
            substance_use=SubstanceUse(
                int(su["alcohol_drinks_per_week"]),
                su["substance_use_disorder"],
                su["ketamine_nonmedical_use"],
                su["cannabis"],
                su["stimulants_nonprescribed"],
                su["opioids_nonprescribed"],
            ),
            medications=tuple(Medication(m["name"], m.get("daily_dose")) for m in data["medications"]),
            logistics=Logistics(data["logistics"]["ride_home_available"]),
            other_treatments=None
            if "other_treatments" not in data
            else OtherTreatments.from_dict(data["other_treatments"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; optional patient fields are left out when unknown."""
        patient: dict[str, Any] = {
            "date_of_birth": self.patient.date_of_birth.isoformat(),
            "sex_at_birth": self.patient.sex_at_birth,
            "pregnancy": self.patient.pregnancy,
            "breastfeeding": self.patient.breastfeeding,
        }
        if self.patient.weight_kg is not None:
            patient["weight_kg"] = self.patient.weight_kg
        if self.patient.state is not None:
            patient["state"] = self.patient.state
        s, ph, mh, su = self.suicide_screen, self.psychiatric_history, self.medical_history, self.substance_use
        doc = {
            "schema": self.schema,
            "screened_on": self.screened_on.isoformat(),
            "patient": patient,
            "diagnoses": list(self.diagnoses),
            "phq9": list(self.phq9),
            "suicide_screen": {
                "wish_to_be_dead": s.wish_to_be_dead,
                "suicidal_thoughts": s.suicidal_thoughts,
                "thoughts_with_method": s.thoughts_with_method,
                "intent": s.intent,
                "plan": s.plan,
                "behavior": s.behavior,
            },
            "antidepressant_trials": [
                {
                    "drug": t.drug,
                    "daily_dose_mg": t.daily_dose_mg,
                    "weeks_at_dose": t.weeks_at_dose,
                    "took_as_prescribed": t.took_as_prescribed,
                    "improvement": t.improvement,
                    "current_episode": t.current_episode,
                }
                for t in self.antidepressant_trials
            ],
            "prior_ketamine_treatment": self.prior_ketamine_treatment,
            "psychiatric_history": {
                "psychosis": ph.psychosis,
                "schizophrenia_spectrum": ph.schizophrenia_spectrum,
                "mania_or_hypomania": ph.mania_or_hypomania,
            },
            "medical_history": {
                "hypertension": mh.hypertension,
                "recent_bp": None if mh.recent_bp is None else mh.recent_bp.to_dict(),
                **{key: getattr(mh, key) for key in _MEDICAL_FLAGS},
            },
            "substance_use": {
                "alcohol_drinks_per_week": su.alcohol_drinks_per_week,
                "substance_use_disorder": su.substance_use_disorder,
                "ketamine_nonmedical_use": su.ketamine_nonmedical_use,
                "cannabis": su.cannabis,
                "stimulants_nonprescribed": su.stimulants_nonprescribed,
                "opioids_nonprescribed": su.opioids_nonprescribed,
            },
            "medications": [
                {"name": m.name} if m.daily_dose is None else {"name": m.name, "daily_dose": m.daily_dose}
                for m in self.medications
            ],
            "logistics": {"ride_home_available": self.logistics.ride_home_available},
        }
        if self.other_treatments is not None:
            doc["other_treatments"] = self.other_treatments.to_dict()
        return doc
