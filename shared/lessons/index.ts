/**
 * Lessons: the file format (schema and parser) and the pure runner. Nothing here reads files or
 * clocks; the server reads lessons/*.yaml and hands the text to parseLesson.
 */
export {
  lessonSchema, textSchema, triggerSchema, parseDuration, asksFirst, commandMode,
  CORRECT_POINTS, PARTICIPATION_POINTS, LESSON_MODES, NODE_TARGETS, SPARE_NAME, PER_NODE, DEV_RUNTIME,
  type Lesson, type LessonMode, type Step, type Prediction, type ChoicePrediction, type WhichNodePrediction,
  type StudentAction, type Text, type Trigger, type Condition, type ConditionType, type LessonCommand, type NodeTarget,
} from "./schema.ts";
export { parseLesson, validateLesson, formatPath, type ParseLessonResult } from "./parse.ts";
export { conditionHolds, triggerFired, takeBaseline, servingHostsShare, type Baseline, type TriggerOutcome } from "./conditions.ts";
export { resolveCommand, type Resolved } from "./resolve.ts";
export {
  startLesson, lessonTick, lessonControl, answerPrediction, predictionResults, lessonScores, studentLessonPoints,
  clockHeld, waitingFor, currentStep, revealTriggerOf, LESSON_CONTROLS,
  type LessonState, type LessonAction, type LessonControl, type PredictionState, type StepRecord, type TickResult,
  type ControlResult, type AnswerResult, type PredictionResults, type StudentScore, type Waiting, type RevealCause, type StepEnd,
} from "./runner.ts";
export {
  publicLessonView, teacherLessonView, studentAnswers, studentAwards, describeTrigger, imageLayersView,
  type PublicLessonView, type TeacherLessonView, type PublicPredictionView, type ImageLayersView,
} from "./views.ts";
